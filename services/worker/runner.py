"""Runs a recorded job exactly once in effect.

arq may deliver a job twice (a sweeper re-send, a worker killed mid-job). The job row is
locked, the handler's writes and the row's `done` commit together, and a job found done
is skipped: replays change nothing. A job found pending but locked is busy elsewhere,
often the transaction of a killed worker that Postgres has not yet rolled back: it is
retried shortly rather than dropped, so it never waits for the sweeper.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import sqlalchemy as sa
import structlog
from arq import Retry
from prometheus_client import Counter, Histogram

from services.worker.context import typed
from services.worker.registry import Registered
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.errors import DomainError
from shared.jobs.models import Job, JobStatus
from shared.logging import describe

log = structlog.get_logger(__name__)

JOB_OUTCOMES = Counter("smm_worker_jobs_total", "Job runs by outcome", ["name", "outcome"])
JOB_SECONDS = Histogram("smm_worker_job_duration_seconds", "Job run time", ["name"])


def backoff(attempt: int) -> int:
    return int(min(2**attempt, 300))


async def _finish(
    ctx: dict[str, Any], job: sa.ColumnElement[bool], status: JobStatus, error: str
) -> None:
    wc = typed(ctx)
    async with wc.sessionmaker() as session, session.begin():
        await session.execute(
            sa.update(Job)
            .where(job, Job.status == JobStatus.pending)
            .values(
                status=status,
                attempts=Job.attempts + 1,
                last_error=error[:4000],
                finished_at=utcnow() if status != JobStatus.pending else None,
            )
        )


async def run_recorded(
    ctx: dict[str, Any], job_id: str, workspace_id: str | None = None, *, job: Registered[Any]
) -> str:
    """Run a recorded job once. The row is locked by its whole key, `(id, workspace_id)`:
    one shard on Citus. A job queued before the workspace rode along finds it first."""
    wc = typed(ctx)
    name = job.name
    ident = uuid.UUID(job_id)
    started = time.perf_counter()
    async with wc.sessionmaker() as session:
        uow = UnitOfWork(session, wc.queue)
        workspace = (
            uuid.UUID(workspace_id)
            if workspace_id
            else await session.scalar(sa.select(Job.workspace_id).where(Job.id == ident))
        )
        mine = sa.and_(Job.id == ident, Job.workspace_id == workspace)
        row = (
            await session.scalars(sa.select(Job).where(mine).with_for_update(skip_locked=True))
        ).one_or_none()
        if row is None or row.status != JobStatus.pending:
            busy = (
                row is None
                and await session.scalar(sa.select(Job.status).where(mine)) == JobStatus.pending
            )
            await session.rollback()
            if busy:
                attempt = int(ctx.get("job_try", 1))
                log.info("job.busy", job=name, job_id=job_id, attempt=attempt)
                JOB_OUTCOMES.labels(name, "busy").inc()
                raise Retry(defer=backoff(attempt))
            JOB_OUTCOMES.labels(name, "skipped").inc()
            return "skipped"
        try:
            await job.run(uow, wc, row.workspace_id, row.args)
            row.status = JobStatus.done
            row.attempts += 1
            row.finished_at = utcnow()
            await uow.commit()
        except DomainError as exc:
            await uow.rollback()
            log.warning("job.refused", job=name, job_id=job_id, error=str(exc))
            await _finish(ctx, mine, JobStatus.failed, str(exc))
            JOB_OUTCOMES.labels(name, "failed").inc()
            return "failed"
        except Exception as exc:
            await uow.rollback()
            attempt = int(ctx.get("job_try", 1))
            final = attempt >= wc.settings.job_max_tries
            log.exception("job.error", job=name, job_id=job_id, attempt=attempt, final=final)
            try:
                await _finish(
                    ctx, mine, JobStatus.failed if final else JobStatus.pending, describe(exc)
                )
            except Exception:  # the database itself may be down: arq retries, sweeper backs up
                log.warning("job.record_failed", job=name, job_id=job_id)
            if final:
                JOB_OUTCOMES.labels(name, "failed").inc()
                return "failed"
            JOB_OUTCOMES.labels(name, "retried").inc()
            raise Retry(defer=backoff(attempt)) from exc
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    JOB_OUTCOMES.labels(name, "done").inc()
    return "done"
