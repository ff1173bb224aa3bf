"""Attribution runs: recorded by the API (202), computed by the worker (ATT-1..ATT-3)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from shared import money
from shared.attribution import report
from shared.attribution.algorithms import AttributionModel
from shared.attribution.build import build
from shared.attribution.events import AttributionCompleted
from shared.attribution.jobs import RunAttribution
from shared.attribution.models import AttributionRun
from shared.attribution.schemas import RunCreate, RunRead, RunSummary
from shared.db.pagination import Page, paginate
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.events.models import EventType
from shared.jobs.models import Job
from shared.jobs.service import failed_jobs, read_as_failed
from shared.jobs.work import IngestStatus as RunStatus
from shared.workspaces.models import Workspace


def runs(uow: UnitOfWork) -> TenantRepository[AttributionRun]:
    return TenantRepository(uow.session, AttributionRun, "attribution run")


async def create(uow: UnitOfWork, workspace_id: uuid.UUID, body: RunCreate) -> AttributionRun:
    run = AttributionRun(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        status=RunStatus.queued,
        params=body.model_dump(mode="json", by_alias=True),
    )
    uow.session.add(run)
    job = uow.enqueue(RunAttribution(run_id=run.id), workspace_id=workspace_id)
    run.job_id = job.id
    await uow.session.flush()
    return run


async def list_runs(
    uow: UnitOfWork, workspace_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[RunRead]:
    page = await paginate(
        uow.session, runs(uow).select(workspace_id), AttributionRun, limit, cursor
    )
    failed = await failed_jobs(uow.session, (run.job_id for run in page.items))
    return Page([_read(run, failed) for run in page.items], page.next_cursor)


async def get(uow: UnitOfWork, workspace_id: uuid.UUID, run_id: uuid.UUID) -> RunRead:
    run = await runs(uow).get(workspace_id, run_id)
    return _read(run, await failed_jobs(uow.session, [run.job_id]))


def _read(run: AttributionRun, failed: Mapping[uuid.UUID, Job]) -> RunRead:
    read = RunRead.model_validate(run)
    if run.status not in (RunStatus.queued, RunStatus.running) or run.job_id is None:
        return read
    return read_as_failed(read, failed.get(run.job_id))


async def _currency(uow: UnitOfWork, workspace_id: uuid.UUID) -> str:
    """Event values are in the workspace's currency."""
    currency = await uow.session.scalar(
        sa.select(Workspace.currency).where(Workspace.id == workspace_id)
    )
    assert currency is not None
    return currency


async def compute(
    uow: UnitOfWork, workspace_id: uuid.UUID, run_id: uuid.UUID, now: datetime
) -> None:
    """The worker's part: paths in SQL, the models in numpy, results stored with the
    run and `attribution.completed` emitted, in the job's transaction (a run killed
    midway left nothing behind; its retry starts over)."""
    run = await runs(uow).get(workspace_id, run_id, lock=True)
    if run.status not in (RunStatus.queued, RunStatus.running):
        return
    params = RunCreate.model_validate(run.params)
    built = await build(
        uow.session,
        workspace_id,
        params.start,
        params.end,
        [EventType(t) for t in params.conversion_types],
        params.lookback_days,
        money.exponent(await _currency(uow, workspace_id)),
    )
    results, effects = report.results(
        built,
        [AttributionModel(m) for m in params.models],
        half_life_days=params.half_life_days,
        markov_order=params.markov_order,
    )
    run.results = results
    run.removal_effects = effects
    run.path_count = built.path_count
    run.conversion_count = built.conversion_count
    run.status = RunStatus.succeeded
    run.finished_at = now
    await uow.session.flush()
    uow.emit(workspace_id, AttributionCompleted(run=RunSummary.model_validate(run)))
