"""The per-key rate limit (API-8): a fixed one-minute window per key, counted in Redis and
shared by every API process.

Each request is counted before it runs, as an `INCR` of its key's window would count it,
but the requests one process receives meanwhile share a round trip: while a count is on
its way to Redis, the requests that arrive wait for the next one, which sends a single
`INCRBY key n` (and its `EXPIRE`) per key for all of them. Every request still gets its
own exact position in the window, so the limit refuses exactly the requests an `INCR`
each would refuse; under load the process makes one Redis round trip at a time instead
of one per request (PERF-5). If Redis is down or hung, requests are not counted and the
API stays up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 60
#: How long a count may wait for Redis before the request runs uncounted.
REDIS_TIMEOUT = 0.5


@dataclass
class _Batch:
    redis: Redis
    #: Per window key, the requests waiting for their position in it.
    waiting: dict[str, list[asyncio.Future[int | None]]] = field(default_factory=dict)
    sending: asyncio.Task[None] | None = None


class WindowCounter:
    """Counts requests in Redis windows, one round trip at a time per Redis client."""

    def __init__(self) -> None:
        self._batches: dict[int, _Batch] = {}

    async def count(self, redis: Redis, key: str) -> int | None:
        """This request's position in `key`'s window, or None if Redis did not answer."""
        batch = self._batches.get(id(redis))
        if batch is None:
            batch = self._batches[id(redis)] = _Batch(redis)
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        batch.waiting.setdefault(key, []).append(future)
        if batch.sending is None:
            batch.sending = asyncio.create_task(self._send(batch))
        return await future

    async def _send(self, batch: _Batch) -> None:
        waiting: dict[str, list[asyncio.Future[int | None]]] = {}
        try:
            while batch.waiting:
                waiting, batch.waiting = batch.waiting, {}
                positions = await _increment(batch.redis, waiting)
                _answer(waiting, positions)
        finally:
            # Cancelled (the loop is closing): nobody is left waiting for ever.
            _answer(waiting, {})
            _answer(batch.waiting, {})
            self._batches.pop(id(batch.redis), None)


def _answer(waiting: dict[str, list[asyncio.Future[int | None]]], first: dict[str, int]) -> None:
    for key, futures in waiting.items():
        start = first.get(key)
        for offset, future in enumerate(futures):
            if not future.done():  # answered already, or its request was cancelled
                future.set_result(None if start is None else start + offset)


async def _increment(
    redis: Redis, waiting: dict[str, list[asyncio.Future[int | None]]]
) -> dict[str, int]:
    """Each key's first position for its waiting requests; empty if Redis failed."""
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for key, futures in waiting.items():
                pipe.incrby(key, len(futures))
                pipe.expire(key, WINDOW_SECONDS + 1)
            replies = await asyncio.wait_for(pipe.execute(), REDIS_TIMEOUT)
    except Exception as exc:
        log.warning("rate_limit.unavailable", error=repr(exc))
        return {}
    counts = replies[::2]
    return {
        key: int(total) - len(futures) + 1
        for (key, futures), total in zip(waiting.items(), counts, strict=True)
    }
