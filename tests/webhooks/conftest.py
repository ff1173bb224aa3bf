"""The webhook tests' receiver and worker (tests/helpers/), and an offline resolver for
the SSRF guard."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from shared.webhooks import ssrf
from tests.helpers.receiver import receiver  # noqa: F401  (fixture)
from tests.helpers.worker import fast_settings, start_worker  # noqa: F401  (fixtures)


class FakeDNS:
    """The SSRF guard's resolver, offline: names answer what the test set, any other name
    fails as an unknown one would. No query leaves the machine."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[ssrf.IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not in the test's fake DNS")
        return [ipaddress.ip_address(address) for address in self.answers[host]]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Replaces `ssrf.resolve` (the default of every guard) for one test."""
    dns = FakeDNS()
    monkeypatch.setattr(ssrf, "resolve", dns)
    return dns
