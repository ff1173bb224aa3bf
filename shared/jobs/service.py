"""Recorded jobs: what the sweeper re-sends and how a run is accounted for."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db.pagination import Page
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork, send_jobs
from shared.jobs.models import Job, JobStatus
from shared.jobs.queue import JobQueue
from shared.jobs.work import IngestStatus
from shared.schemas import ReadModel

#: A job younger than this is left to its post-commit send.
SWEEP_GRACE = timedelta(seconds=10)
SWEEP_BATCH = 1000


async def pending_jobs(
    session: AsyncSession, now: datetime, limit: int = SWEEP_BATCH
) -> list[tuple[str, uuid.UUID, uuid.UUID]]:
    rows = await session.execute(
        sa.select(Job.name, Job.id, Job.workspace_id)
        .where(Job.status == JobStatus.pending, Job.created_at < now - SWEEP_GRACE)
        .order_by(Job.created_at)
        .limit(limit)
    )
    return [(name, ident, workspace) for name, ident, workspace in rows]


async def sweep(session: AsyncSession, queue: JobQueue, now: datetime) -> int:
    """Re-send every pending job; the queue drops the ones it already holds (same job id)."""
    return await send_jobs(queue, await pending_jobs(session, now))


async def failed_for_good(session: AsyncSession, job_id: uuid.UUID | None) -> Job | None:
    """The recorded job behind a long-work resource (an ingest batch, an attribution run,
    a refresh), if it failed for good: the resource then reads `failed` with its error."""
    return (await failed_jobs(session, [job_id])).get(job_id) if job_id is not None else None


async def failed_jobs(
    session: AsyncSession, job_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, Job]:
    """`failed_for_good` for a page of resources, in one query."""
    wanted = {ident for ident in job_ids if ident is not None}
    if not wanted:
        return {}
    found = await session.scalars(
        sa.select(Job).where(Job.id.in_(wanted), Job.status == JobStatus.failed)
    )
    return {job.id: job for job in found}


Read = TypeVar("Read", bound=BaseModel)


async def long_work_page(session: AsyncSession, page: Page[Any], model: type[Read]) -> Page[Read]:
    """A page of long-work resources (ingest batches, refreshes) as `model`, one query for
    their jobs: a resource still `queued` whose job failed for good reads `failed`."""
    queued = [row for row in page.items if row.status == IngestStatus.queued]
    failed = await failed_jobs(session, (row.job_id for row in queued))
    return Page(
        [
            read_as_failed(
                model.model_validate(row),
                failed.get(row.job_id) if row.status == IngestStatus.queued else None,
            )
            for row in page.items
        ],
        page.next_cursor,
    )


def read_as_failed(read: Read, job: Job | None) -> Read:
    """A long-work resource still `queued` whose job failed for good (`failed_for_good`,
    `failed_jobs`) reads `failed`, with the job's error and end."""
    if job is None:
        return read
    return read.model_copy(
        update={
            "status": IngestStatus.failed,
            "error": job.last_error,
            "finished_at": job.finished_at,
        }
    )


async def recent_jobs(
    session: AsyncSession,
    status: JobStatus | None = None,
    workspace_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Job]:
    """The newest recorded jobs, optionally in one state or workspace (`smm jobs list`)."""
    stmt = sa.select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    if workspace_id is not None:
        stmt = stmt.where(Job.workspace_id == workspace_id)
    return list(await session.scalars(stmt))


class JobRead(ReadModel):
    """A recorded job as an operator sees it: what ran, how it ended, after how many tries."""

    id: uuid.UUID
    name: str = Field(description="The job's kind, e.g. `metrics.merge_snapshots`.")
    status: JobStatus
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None


async def list_jobs(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: JobStatus | None,
) -> Page[Job]:
    """A workspace's recorded jobs, newest first (its operations page)."""
    jobs = TenantRepository(uow.session, Job, "job")
    return await jobs.page(workspace_id, limit, cursor, sort="-created_at", status=status)
