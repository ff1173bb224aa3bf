"""The webhook tests' receiver and worker (tests/helpers/), and an offline resolver for
the SSRF guard."""

from __future__ import annotations

import pytest

from shared.webhooks import ssrf
from tests.helpers.dns import FakeDNS
from tests.helpers.receiver import receiver  # noqa: F401  (fixture)
from tests.helpers.worker import fast_settings, start_worker  # noqa: F401  (fixtures)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Replaces `ssrf.resolve` (the default of every guard) for one test."""
    dns = FakeDNS()
    monkeypatch.setattr(ssrf, "resolve", dns)
    return dns
