"""The test process talks to 127.0.0.1 only: no DNS query for a public name, no socket to
a non-loopback address. Names that are not this machine's are refused before any query
leaves; a connection elsewhere is refused and recorded, and the session fails on it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Names answered by this machine itself (the hosts file), never by a DNS server.
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", socket.gethostname()})


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Within it, `socket.getaddrinfo` and `socket.socket.connect(_ex)` refuse anything
    beyond loopback; the refusals are listed in the yielded list."""
    refused: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name in LOCAL_NAMES or _is_literal(name):
            return real_getaddrinfo(host, *args, **kwargs)
        refused.append(f"DNS lookup of {name}")
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no public name ({name})")

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            refused.append(f"connection to {address[0]}")
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
    try:
        yield refused
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


def _is_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return True
