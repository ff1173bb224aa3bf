"""SSRF guard (WH-1, SEC-4): a webhook URL must not reach into our own network.

Checked twice: when an endpoint is saved (a clear 422) and when a connection is opened
(`GuardedBackend`), because DNS can change between the two; the connection then goes to
the very address that was checked, so a rebinding answer cannot slip in between.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Names that only ever mean "inside": refused without asking DNS.
INTERNAL_NAMES = ("localhost", "metadata.google.internal", "metadata")
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
RESOLVE_TIMEOUT = 2.0


class BlockedAddress(httpx.TransportError):
    """The URL leads to a private, loopback, link-local or otherwise internal address."""


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast only; IPv4 carried inside IPv6 is judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            return is_public(ip.sixtofour)
        if ip.teredo is not None:
            return is_public(ip.teredo[1])
        if ip in NAT64:
            return is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return ip.is_global and not ip.is_multicast


def internal_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES)


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def _blocked(addresses: Iterable[IPAddress]) -> IPAddress | None:
    return next((ip for ip in addresses if not is_public(ip)), None)


async def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why this URL may not be a webhook endpoint, or None. A name that does not resolve
    now is accepted: the check at delivery time has the last word."""
    parts = urlsplit(url)
    if allow_private:
        return None
    if parts.scheme != "https":
        return "webhook URLs must use https"
    host = parts.hostname or ""
    ip = literal_ip(host)
    if ip is not None:
        return None if is_public(ip) else f"{ip} is not a public address"
    if internal_name(host):
        return f"{host} is an internal name"
    try:
        addresses = await asyncio.wait_for(resolve(host, parts.port or 443), RESOLVE_TIMEOUT)
    except (OSError, TimeoutError):
        return None
    blocked = _blocked(addresses)
    return None if blocked is None else f"{host} resolves to {blocked}, not a public address"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, refuses any non-public answer, then connects to the checked address.

    TLS still verifies the certificate against the URL's host name: httpcore passes the
    origin's host as `server_hostname`, whatever address the socket went to.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = host
        if not self.allow_private:
            ip = literal_ip(host)
            if internal_name(host):
                raise BlockedAddress(f"{host} is an internal name")
            addresses = [ip] if ip is not None else await resolve(host, port)
            blocked = _blocked(addresses)
            if blocked is not None:
                raise BlockedAddress(f"{host} resolves to {blocked}, not a public address")
            target = str(addresses[0])
        return await self._inner.connect_tcp(
            target,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a `GuardedBackend`. httpx has no public knob for the network
    backend, so the connection pool is rebuilt with the same limits around it; no proxy
    from the environment is used (a proxy would resolve names out of our sight)."""

    def __init__(self, *, allow_private: bool, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private),
        )
