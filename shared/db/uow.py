"""Unit of work: one transaction per request or job, with its outbox events and jobs.

Services never commit. They `emit` events and `enqueue` jobs on the unit of work; both are
rows written in the same transaction as the change, so a rollback drops them and a commit
keeps them even if Redis is down. Jobs are sent to the queue only after COMMIT; what
could not be sent stays `pending` for the sweeper.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.jobs.contract import JobArgs
from shared.jobs.models import Job
from shared.jobs.queue import JobQueue
from shared.outbox.events import Event
from shared.outbox.models import OutboxEvent
from shared.outbox.wake import wake_dispatchers

log = structlog.get_logger(__name__)


class UnitOfWork:
    def __init__(self, session: AsyncSession, queue: JobQueue | None) -> None:
        self.session = session
        self.queue = queue
        self._jobs: list[Job] = []
        self._emitted = False

    def emit(self, workspace_id: uuid.UUID, event: Event) -> OutboxEvent:
        row = OutboxEvent(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            type=event.type,
            data=event.model_dump(mode="json"),
        )
        self.session.add(row)
        self._emitted = True
        return row

    def enqueue(self, job_args: JobArgs, *, workspace_id: uuid.UUID) -> Job:
        """Record the job in this transaction; it is sent to the queue after COMMIT."""
        job = Job(
            id=uuid.uuid4(),
            name=job_args.NAME,
            workspace_id=workspace_id,
            args=job_args.model_dump(mode="json"),
        )
        self.session.add(job)
        self._jobs.append(job)
        return job

    async def commit(self) -> None:
        if self._emitted:
            await wake_dispatchers(self.session)
            self._emitted = False
        await self.session.commit()
        jobs, self._jobs = self._jobs, []
        await send_jobs(self.queue, [(job.name, job.id, job.workspace_id) for job in jobs])

    async def rollback(self) -> None:
        self._jobs.clear()
        self._emitted = False
        await self.session.rollback()


#: A hung Redis must not hold a committed request: the sweeper sends what this could not.
SEND_TIMEOUT = 2.0


async def send_jobs(queue: JobQueue | None, jobs: list[tuple[str, uuid.UUID, uuid.UUID]]) -> int:
    """Best effort: a job that cannot be sent now is still recorded and will be swept.

    The first failure ends the round: Redis down or hung fails the rest the same way, and
    waiting out a timeout per job would stall a request or a sweep for minutes.
    """
    sent = 0
    if queue is None:
        return sent
    for name, job_id, workspace_id in jobs:
        try:
            sent += await asyncio.wait_for(
                queue.send(name, str(job_id), str(workspace_id)), SEND_TIMEOUT
            )
        except Exception as exc:
            log.warning(
                "job.send_failed",
                job=name,
                job_id=str(job_id),
                error=repr(exc),
                left_for_sweeper=len(jobs) - sent,
            )
            break
    return sent


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession], queue: JobQueue | None
) -> AsyncIterator[UnitOfWork]:
    """Commit on success, roll back on any exception."""
    async with sessionmaker() as session:
        uow = UnitOfWork(session, queue)
        try:
            yield uow
        except BaseException:
            await uow.rollback()
            raise
        await uow.commit()
