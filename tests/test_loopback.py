"""The suite's own guard (tests/loopback.py) refuses what would leave this machine. Each
test opens its own guard, so what it provokes on purpose does not fail the session's."""

from __future__ import annotations

import socket

import httpx
import pytest

from shared.webhooks import ssrf
from tests.loopback import loopback_only


async def test_public_names_and_addresses_are_refused_before_anything_leaves() -> None:
    with loopback_only() as refused:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("hooks.example.com", 443)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("93.184.216.34", 443))
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("https://93.184.216.34/")
        # The URL guard's own lookup of a made-up name answers "unknown", offline.
        assert await ssrf.url_problem("https://hooks.example.org/", allow_private=False) is None
        assert socket.getaddrinfo("localhost", 80)
    assert refused == [
        "DNS lookup of hooks.example.com",
        "connection to 93.184.216.34",
        "connection to 93.184.216.34",
        "DNS lookup of hooks.example.org",
    ]
