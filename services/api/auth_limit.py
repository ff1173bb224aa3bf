"""Failed authentication, limited per client address (F8 in issue 15).

Each failure (a bad, unknown, revoked or expired key; a wrong operator token) counts in a
one-minute window in Redis, shared by every API process. An address that reaches the
limit is refused with 429 for the rest of the window *before* its key is looked up, so a
flood of guesses costs no database work; a valid key from that address is refused too,
as the key cannot be told valid without the lookup the limit exists to save.

Each process remembers the addresses it has seen reach the limit, so refusing them costs
no Redis round trip either, and successful requests pay nothing. Another process learns
of a limited address from the shared count at that address's next failure there: at most
one lookup per process and window beyond the limit.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 60
REDIS_TIMEOUT = 0.5


def address_key(host: str | None) -> str:
    """What failures are counted against. IPv6 by /64, the block one subscriber usually
    holds whole: counting single IPv6 addresses would give each client 2**64 limits."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass
class AuthFailureLimit:
    """One API process's view of the addresses over the limit in the current window."""

    window: int = -1
    limited: set[str] = field(default_factory=set)

    def retry_after(self, host: str | None, now: float) -> int | None:
        """Seconds until `host` may authenticate again, or None if it may now."""
        window = int(now // WINDOW_SECONDS)
        if window != self.window or not self.limited:
            return None
        if address_key(host) not in self.limited:
            return None
        return _until_next_window(window, now)

    async def record_failure(
        self, redis: Redis, host: str | None, now: float, limit: int
    ) -> int | None:
        """Count a failure from `host`; the Retry-After if it went beyond the limit.
        If Redis is unreachable nothing is counted: the API stays up."""
        key = address_key(host)
        window = int(now // WINDOW_SECONDS)
        bucket = f"authfail:{key}:{window}"
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.incr(bucket)
                pipe.expire(bucket, WINDOW_SECONDS + 1)
                count, _ = await asyncio.wait_for(pipe.execute(), REDIS_TIMEOUT)
        except Exception as exc:
            log.warning("auth_failure_limit.unavailable", error=repr(exc))
            return None
        if int(count) < limit:
            return None
        if window != self.window:
            self.window, self.limited = window, set()
        if key not in self.limited:
            log.warning("auth_failure_limit.reached", address=key, failures=int(count))
            self.limited.add(key)
        return _until_next_window(window, now) if int(count) > limit else None


def _until_next_window(window: int, now: float) -> int:
    return max(1, int((window + 1) * WINDOW_SECONDS - now))
