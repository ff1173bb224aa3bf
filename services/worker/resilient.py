"""arq's worker, made to outlive a Redis outage (REL-2, WH-5) and to resume at once the
jobs a killed worker left in progress (REL-1).

arq lets a Redis error escape its poll loop, and the whole process exits, taking the
webhook dispatcher (which needs only Postgres) down with it. This worker logs the outage,
waits and polls again; crons missed meanwhile simply run at their next time, and recorded
jobs that could not be queued are re-sent by the `jobs.sweep` cron.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.logging import describe

log = structlog.get_logger(__name__)

RETRY_SECONDS = 1.0


async def release_orphans(redis: ArqRedis, queue_name: str) -> int:
    """Free the jobs a killed worker left marked in progress (REL-1).

    arq keeps such a job locked for its timeout plus 10 s (here over 10 minutes) before any
    worker may run it again. Freed now, a job still running in another live worker may be
    picked up twice: harmless, because the runner locks the job's row (SKIP LOCKED) and a
    second run finds it busy or done and skips.
    """
    ids = [raw.decode() for raw in await redis.zrange(queue_name, 0, -1)]
    released = 0
    for start in range(0, len(ids), 500):
        keys = [in_progress_key_prefix + ident for ident in ids[start : start + 500]]
        released += await redis.delete(*keys)
    if released:
        log.warning("worker.orphans_released", jobs=released)
    return released


class ResilientWorker(Worker):
    _redis_down_since: float | None = None
    _orphans_released = False

    async def _poll_iteration(self) -> None:
        try:
            if not self._orphans_released:  # before the first pick of jobs
                await release_orphans(self.pool, self.queue_name)
                self._orphans_released = True
            await super()._poll_iteration()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            if self._redis_down_since is None:
                self._redis_down_since = time.monotonic()
                log.warning("worker.redis_unavailable", error=describe(exc))
            await asyncio.sleep(RETRY_SECONDS)
            return
        if self._redis_down_since is not None:
            log.info(
                "worker.redis_back",
                down_seconds=round(time.monotonic() - self._redis_down_since, 1),
            )
            self._redis_down_since = None
