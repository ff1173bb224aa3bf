"""The suite's own guard (tests/loopback.py) refuses what would leave this machine, in the
test process and in the Python processes it starts. Each test opens its own guard (or
report file), so what it provokes on purpose does not fail the session's."""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import pytest

from shared.webhooks import ssrf
from tests.loopback import REPORT_VARIABLE, loopback_only, reported


async def test_public_names_and_addresses_are_refused_before_anything_leaves() -> None:
    # Every public name and address below is asked for inside `loopback_only()`, whose
    # guard refuses it before a query or a packet leaves; `.ci/run` adds a namespace with
    # nothing routable beyond loopback.
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


#: TEST-NET-1 (RFC 5737): not loopback, and reaches no one should the guard be missing.
OUTSIDE = "192.0.2.1"
TRY_OUTSIDE = f"""
import socket
try:
    socket.create_connection(("{OUTSIDE}", 443), timeout=1)
except OSError as exc:
    print(type(exc).__name__, exc)
"""


def test_a_python_subprocess_of_the_session_is_refused_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started the plain way (the session's environment, inherited): the guard is on."""
    report = tmp_path / "refused.txt"
    monkeypatch.setenv(REPORT_VARIABLE, str(report))  # this test's file, not the session's
    done = subprocess.run(
        [sys.executable, "-c", TRY_OUTSIDE], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == (
        f"ConnectionRefusedError tests connect to loopback only, not {OUTSIDE}"
    )
    (line,) = reported(report)
    assert line.startswith(f"connection to {OUTSIDE} (pid ")


def _lookup(name: str) -> object:
    """Sent to the pool by name: this process's `socket.getaddrinfo` is its guard's."""
    return socket.getaddrinfo(name, 443)


def test_a_spawned_pool_process_is_refused_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the worker's analysis pool starts its processes (spawn, not fork)."""
    report = tmp_path / "refused.txt"
    monkeypatch.setenv(REPORT_VARIABLE, str(report))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        with pytest.raises(ConnectionRefusedError):
            pool.submit(socket.create_connection, (OUTSIDE, 443), 1).result(60)
        with pytest.raises(socket.gaierror):
            pool.submit(_lookup, "hooks.example.com").result(60)
    assert [line.split(" (pid")[0] for line in reported(report)] == [
        f"connection to {OUTSIDE}",
        "DNS lookup of hooks.example.com",
    ]
