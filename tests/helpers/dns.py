"""An offline resolver for the SSRF guard: names answer what the test set, any other name
fails as an unknown one would. No query leaves the machine."""

from __future__ import annotations

import ipaddress
import socket

from shared.webhooks import ssrf


class FakeDNS:
    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[ssrf.IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not in the test's fake DNS")
        return [ipaddress.ip_address(address) for address in self.answers[host]]
