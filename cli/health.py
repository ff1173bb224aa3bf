"""`smm worker --check`: what arq's health-check key says about the workers (OPS-5).

A running worker rewrites the key every `health_check_interval` seconds with a TTL one
second longer, and its counters since it started; a worker that stopped deletes it, one
that was killed lets it expire. The key's remaining TTL tells how long ago it was written."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from cli.admin import connect_redis
from cli.errors import CliError, ExitCode, where
from shared.config import Settings

_COUNTERS = re.compile(r"\b(j_complete|j_failed|j_retried|j_ongoing|queued)=(\d+)")


@dataclass(frozen=True)
class WorkerHealth:
    alive: bool
    last_check_seconds_ago: float | None = None
    jobs_complete: int | None = None
    jobs_failed: int | None = None
    jobs_retried: int | None = None
    jobs_running: int | None = None
    queued: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        return (
            f"worker alive: last health check {self.last_check_seconds_ago:.0f} s ago; "
            f"{self.jobs_complete} jobs complete, {self.jobs_failed} failed, "
            f"{self.jobs_retried} retried, {self.jobs_running} running, {self.queued} queued"
        )


def parse(record: str, ttl_ms: int, interval: float) -> WorkerHealth:
    """A health record (`Mar-01 12:00:00 j_complete=3 j_failed=0 ...`) and its key's TTL."""
    counts = {name: int(value) for name, value in _COUNTERS.findall(record)}
    return WorkerHealth(
        alive=True,
        last_check_seconds_ago=max(0.0, round(interval + 1 - ttl_ms / 1000, 1)),
        jobs_complete=counts.get("j_complete"),
        jobs_failed=counts.get("j_failed"),
        jobs_retried=counts.get("j_retried"),
        jobs_running=counts.get("j_ongoing"),
        queued=counts.get("queued"),
    )


async def worker_health(settings: Settings) -> tuple[WorkerHealth, float]:
    """The workers' health as Redis holds it, and the interval they record it at."""
    from arq.constants import default_queue_name, health_check_key_suffix

    from services.worker.main import worker_settings

    arq = worker_settings(settings)
    key = arq.get("health_check_key") or (
        arq.get("queue_name", default_queue_name) + health_check_key_suffix
    )
    interval = float(arq["health_check_interval"])
    redis = await connect_redis(settings)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            record, ttl = await pipe.execute()
    finally:
        await redis.aclose()
    if not record or ttl is None or ttl < 0:
        return WorkerHealth(alive=False), interval
    return parse(record.decode(), int(ttl), interval), interval


def dead(redis_dsn: str, interval: float) -> CliError:
    return CliError(
        f"no worker alive: no health check in Redis at {where(redis_dsn)} in the last "
        f"{interval + 1:.0f} s (a running worker writes one every {interval:.0f} s)",
        ExitCode.unhealthy,
    )
