"""arq's worker, made to outlive a Redis outage (REL-2, WH-5).

arq lets a Redis error escape its poll loop, and the whole process exits, taking the
webhook dispatcher (which needs only Postgres) down with it. This worker logs the outage,
waits and polls again; crons missed meanwhile simply run at their next time, and recorded
jobs that could not be queued are re-sent by the `jobs.sweep` cron.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)

RETRY_SECONDS = 1.0


class ResilientWorker(Worker):
    _redis_down_since: float | None = None

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            if self._redis_down_since is None:
                self._redis_down_since = time.monotonic()
                log.warning("worker.redis_unavailable", error=repr(exc))
            await asyncio.sleep(RETRY_SECONDS)
            return
        if self._redis_down_since is not None:
            log.info(
                "worker.redis_back",
                down_seconds=round(time.monotonic() - self._redis_down_since, 1),
            )
            self._redis_down_since = None
