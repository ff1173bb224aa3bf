"""The webhook tests' worker (tests/helpers/; the receiver is in tests/conftest.py), and
an offline resolver for the SSRF guard."""

from __future__ import annotations

import pytest

from shared.webhooks import ssrf
from tests.helpers.dns import FakeDNS
from tests.helpers.worker import fast_settings, start_worker  # noqa: F401  (fixtures)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Replaces `ssrf.resolve` (the default of every guard) for one test."""
    dns = FakeDNS()
    monkeypatch.setattr(ssrf, "resolve", dns)
    return dns
