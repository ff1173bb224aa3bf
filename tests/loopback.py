"""The test process talks to 127.0.0.1 only: no DNS query for a public name, no socket to
a non-loopback address. Names that are not this machine's are refused before any query
leaves; a connection elsewhere is refused and recorded, and the session fails on it.

The Python processes the suite starts (a worker, its analysis pool, a CLI command) get
the same guard at start-up: the session names a report file in `LOOPBACK_REPORT` and
puts `tests/loopback_site` on `PYTHONPATH`, whose `sitecustomize` calls `guard_process`.
What they refuse is appended to the file, and the session fails on it too. Other
programs (PostgreSQL, Redis) are held to loopback by CI's network namespace (`.ci/run`).
This module imports nothing but the standard library: it loads before anything else.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Names answered by this machine itself (the hosts file), never by a DNS server.
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", socket.gethostname()})
#: The file a guarded subprocess appends its refusals to, one a line.
REPORT_VARIABLE = "LOOPBACK_REPORT"
SITE_DIR = Path(__file__).with_name("loopback_site")


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return True


def _install(refuse: Callable[[str], None]) -> Callable[[], None]:
    """Patch `socket.getaddrinfo` and `socket.socket.connect(_ex)` to refuse anything
    beyond loopback, telling `refuse` what; returns what restores the originals."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name in LOCAL_NAMES or _is_literal(name):
            return real_getaddrinfo(host, *args, **kwargs)
        refuse(f"DNS lookup of {name}")
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no public name ({name})")

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            refuse(f"connection to {address[0]}")
            raise ConnectionRefusedError(f"tests connect to loopback only, not {address[0]}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]

    def restore() -> None:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]

    return restore


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Within it, this process reaches nothing beyond loopback; the refusals are listed
    in the yielded list."""
    refused: list[str] = []
    restore = _install(refused.append)
    try:
        yield refused
    finally:
        restore()


def guard_process(report: str) -> None:
    """For the rest of this process's life, refuse what leaves loopback and append each
    refusal, with the process's command line, to the file `report`."""
    command = " ".join(sys.orig_argv).replace("\n", " ")[:200]

    def refuse(what: str) -> None:
        # O_APPEND: lines from several processes never overwrite one another.
        with open(report, "a", encoding="utf-8") as out:
            out.write(f"{what} (pid {os.getpid()}: {command})\n")

    _install(refuse)


@contextmanager
def guarded_subprocesses(report: Path) -> Iterator[None]:
    """Python processes started within it (and their children) install `guard_process`
    on `report` at start-up."""
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", REPORT_VARIABLE)}
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SITE_DIR), *filter(None, [saved["PYTHONPATH"]])]
    )
    os.environ[REPORT_VARIABLE] = str(report)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def reported(report: Path) -> list[str]:
    return report.read_text("utf-8").splitlines() if report.exists() else []
