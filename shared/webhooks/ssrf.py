"""SSRF guard (WH-1, SEC-4): a webhook URL must not reach into our own network.

Checked twice: when an endpoint is saved (a clear 422) and when a connection is opened
(`GuardedBackend`), because DNS can change between the two; the connection then goes to
the very address that was checked, so a rebinding answer cannot slip in between.

Only globally routable unicast addresses pass, on an allowed port (443 unless
`WEBHOOK_ALLOWED_PORTS` says otherwise). The verdict comes from the tables below as much
as from `ipaddress`, whose idea of "global" changed between patch releases (3.11.10 and
3.12.4 moved `64:ff9b:1::/48`, `192.0.0.0/24` and IPv4-mapped addresses): an address is
public only if our tables and `ipaddress` both say so, and IPv4 carried inside IPv6
(compatible, mapped, translated, 6to4, Teredo, NAT64) is judged as the IPv4 it leads to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: `resolve`'s shape: a test passes a fake one, so that no DNS query leaves the machine.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

#: Names that only ever mean "inside": refused without asking DNS.
INTERNAL_NAMES = ("localhost", "metadata.google.internal", "metadata")
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
RESOLVE_TIMEOUT = 2.0
DEFAULT_PORTS = (443,)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

#: IPv4 ranges that are never a webhook receiver, whatever `ipaddress` of this Python
#: release thinks (IANA special-purpose registry, stricter where it hesitates).
NOT_PUBLIC_V4 = tuple(
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (DS-Lite, NAT64 discovery...)
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)

#: Global unicast IPv6 is 2000::/3 (RFC 4291): everything outside it is refused (loopback,
#: unspecified, ULA fc00::/7, link-local, site-local, multicast, discard 100::/64,
#: local-use NAT64, SRv6 5f00::/16, ...) except the embeddings below. Inside it:
NOT_PUBLIC_V6 = tuple(
    _V6(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (Teredo, inside it, is judged below)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
GLOBAL_UNICAST_V6 = _V6("2000::/3")


def _low32(ip: int) -> list[int]:
    return [ip & 0xFFFFFFFF]


def _sixtofour(ip: int) -> list[int]:
    return [(ip >> 80) & 0xFFFFFFFF]


def _teredo(ip: int) -> list[int]:
    """Server (bits 32-63) and client (the last 32 bits, inverted): both must be public."""
    return [(ip >> 64) & 0xFFFFFFFF, ~ip & 0xFFFFFFFF]


@dataclass(frozen=True)
class Embedding:
    """An IPv6 prefix that carries IPv4: `routable` says whether an address in it can be a
    destination on the internet at all; if so, the IPv4 it carries decides."""

    network: ipaddress.IPv6Network
    name: str
    ipv4: Callable[[int], list[int]]
    routable: bool


EMBEDDINGS = (
    # Sockets send these as plain IPv4.
    Embedding(_V6("::ffff:0:0/96"), "IPv4-mapped", _low32, routable=True),
    # Deprecated (RFC 4291 2.5.5.1); holds :: and ::1 too.
    Embedding(_V6("::/96"), "IPv4-compatible", _low32, routable=False),
    # SIIT (RFC 2765): meaningful only inside a translator's own domain.
    Embedding(_V6("::ffff:0:0:0/96"), "IPv4-translated", _low32, routable=False),
    Embedding(_V6("64:ff9b::/96"), "NAT64", _low32, routable=True),
    # Local-use NAT64 (RFC 8215): our own translator, into our own network.
    Embedding(_V6("64:ff9b:1::/48"), "local-use NAT64", _low32, routable=False),
    Embedding(_V6("2002::/16"), "6to4", _sixtofour, routable=True),
    Embedding(_V6("2001::/32"), "Teredo", _teredo, routable=True),
)


class BlockedAddress(httpx.TransportError):
    """The URL leads to a private, loopback, link-local or otherwise internal address."""


class LookupFailed(httpx.ConnectError):
    """The endpoint's host name did not resolve: said in words (a `socket.gaierror` is not
    an httpx error, and read as `gaierror(-2, 'Name or service not known')`)."""


def embedding(ip: ipaddress.IPv6Address) -> Embedding | None:
    return next((e for e in EMBEDDINGS if ip in e.network), None)


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast only; IPv4 carried inside IPv6 is judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        carrier = embedding(ip)
        if carrier is not None:
            return carrier.routable and all(
                is_public(ipaddress.IPv4Address(v4)) for v4 in carrier.ipv4(int(ip))
            )
        if ip not in GLOBAL_UNICAST_V6 or any(ip in net for net in NOT_PUBLIC_V6):
            return False
    elif any(ip in net for net in NOT_PUBLIC_V4):
        return False
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_private
        and not ip.is_reserved
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_unspecified
    )


def internal_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES)


def literal_ip(host: str) -> IPAddress | None:
    """An address written as one, legacy IPv4 spellings (`2130706433`, `127.1`,
    `0x7f.0.0.1`) included: the system resolver would read them as addresses too."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefABCDEFxX." for c in host) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def _blocked(addresses: Iterable[IPAddress]) -> IPAddress | None:
    return next((ip for ip in addresses if not is_public(ip)), None)


def _ports(allowed: Collection[int]) -> str:
    return ", ".join(str(port) for port in sorted(allowed))


async def url_problem(
    url: str,
    *,
    allow_private: bool,
    allowed_ports: Collection[int] = DEFAULT_PORTS,
    resolver: Resolver | None = None,
) -> str | None:
    """Why this URL may not be a webhook endpoint, or None. A name that does not resolve
    now is accepted: the check at delivery time has the last word."""
    parts = urlsplit(url)
    if allow_private:
        return None
    if parts.scheme != "https":
        return "webhook URLs must use https"
    try:
        port = parts.port or 443
    except ValueError:
        return "the port is not a valid port number"
    host = parts.hostname or ""
    ip = literal_ip(host)
    if ip is not None and not is_public(ip):
        return f"{ip} is not a public address"
    if ip is None and internal_name(host):
        return f"{host} is an internal name"
    if port not in allowed_ports:
        return f"port {port} is not allowed for webhooks (allowed: {_ports(allowed_ports)})"
    if ip is not None:
        return None
    try:
        addresses = await asyncio.wait_for((resolver or resolve)(host, port), RESOLVE_TIMEOUT)
    except (OSError, TimeoutError):
        return None
    blocked = _blocked(addresses)
    return None if blocked is None else f"{host} resolves to {blocked}, not a public address"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, refuses any non-public answer, then connects to the checked address.

    TLS still verifies the certificate against the URL's host name: httpcore passes the
    origin's host as `server_hostname`, whatever address the socket went to.
    """

    def __init__(
        self,
        allow_private: bool,
        allowed_ports: Collection[int] = DEFAULT_PORTS,
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allowed_ports = frozenset(allowed_ports)
        self.resolver = resolver
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
            resolver = self.resolver or resolve
            try:
                addresses = [ip] if ip is not None else await resolver(host, port)
            except socket.gaierror as exc:
                reason = f" ({exc.strerror})" if exc.strerror else ""
                raise LookupFailed(f"DNS lookup failed for {host}{reason}") from None
            blocked = _blocked(addresses)
            if blocked is not None:
                raise BlockedAddress(f"{host} resolves to {blocked}, not a public address")
            if port not in self.allowed_ports:
                raise BlockedAddress(
                    f"port {port} is not allowed (allowed: {_ports(self.allowed_ports)})"
                )
            if not addresses:
                raise BlockedAddress(f"{host} resolves to no address")
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

    def __init__(
        self,
        *,
        allow_private: bool,
        limits: httpx.Limits,
        allowed_ports: Collection[int] = DEFAULT_PORTS,
        resolver: Resolver | None = None,
    ) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private, allowed_ports, resolver),
        )
