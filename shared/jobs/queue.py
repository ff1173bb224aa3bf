"""The only place that knows jobs travel through arq: swap this module to change queues."""

from __future__ import annotations

from typing import Protocol

from arq.connections import ArqRedis


class JobQueue(Protocol):
    async def send(self, name: str, job_id: str, workspace_id: str) -> bool:
        """Ring the doorbell for a recorded job; True when newly queued. The workspace
        rides along so the runner locks the row by its whole key (one shard on Citus)."""
        ...


class ArqJobQueue:
    def __init__(self, redis: ArqRedis, queue_name: str | None = None) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def send(self, name: str, job_id: str, workspace_id: str) -> bool:
        # The job row id doubles as arq's job id: a second send while the job is queued,
        # running or has a kept result is a no-op in Redis.
        job = await self.redis.enqueue_job(
            name, job_id, workspace_id, _job_id=job_id, _queue_name=self.queue_name
        )
        return job is not None
