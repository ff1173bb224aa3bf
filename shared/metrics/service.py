"""Bulk ingestion of metric snapshots (ING-1..ING-5): validate all, stage by COPY, merge
set-based in the job, record the counts. The checks are in `validation`, the records in
`records`, the SQL in `statements`."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bulk import Bulk
from shared.content.references import Targets, read_targets
from shared.db import partitions
from shared.db.pagination import Page, bad_cursor, decode_key, encode_key
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.jobs.service import failed_for_good, long_work_page, read_as_failed
from shared.jobs.work import BatchKind, IngestBatch, IngestBatchRead, IngestStatus
from shared.kpis import booking, rollups, targets
from shared.metrics import statements
from shared.metrics.events import IngestCompleted
from shared.metrics.jobs import MergeSnapshots
from shared.metrics.models import Granularity, MetricSnapshot
from shared.metrics.records import COPY_COLUMNS, COPY_TABLE, copy_record
from shared.metrics.schemas import SnapshotIn
from shared.metrics.validation import money_problems, row_problems
from shared.workspaces.models import Workspace


def batches(uow: UnitOfWork) -> TenantRepository[IngestBatch]:
    return TenantRepository(uow.session, IngestBatch, "ingest batch")


async def ingest(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    body: Bulk[SnapshotIn],
    now: datetime,
    timezone: str | None = None,
) -> IngestBatch:
    """All or nothing (ING-2: the schema's errors, the rules', unknown targets and money
    finer than its currency, in one answer); accepted rows are COPYed in this transaction
    with the batch and its recorded merge job, so the `202` means durable (ING-3, ING-5).
    Days start at midnight UTC or in `timezone`: the workspace's unless a platform report
    says its account counts days in another zone."""
    if timezone is None:
        timezone = await uow.session.scalar(
            sa.select(Workspace.timezone).where(Workspace.id == workspace_id)
        )
    named = await read_targets(uow, workspace_id, body)
    rows = body.checked(
        [*row_problems(body, now, timezone or "UTC"), *named.errors, *money_problems(body, named)]
    )
    batch = IngestBatch(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        kind=BatchKind.metric_snapshots,
        status=IngestStatus.queued,
        row_count=len(rows),
    )
    uow.session.add(batch)
    job = uow.enqueue(MergeSnapshots(batch_id=batch.id), workspace_id=workspace_id)
    batch.job_id = job.id
    await uow.session.flush()
    await _stage(uow.session, batch.workspace_id, batch.id, rows, named)
    return batch


async def _stage(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    batch_id: uuid.UUID,
    rows: Sequence[SnapshotIn],
    named: Targets,
) -> None:
    """COPY the rows into `ingest_rows` on the session's own connection (and transaction),
    their money in their targets' currencies (looked up per row only when they differ)."""
    currencies = named.currencies()
    only = currencies.pop() if len(currencies) == 1 else None
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        COPY_TABLE,
        records=[
            copy_record(workspace_id, batch_id, seq, row, only or named.currency(row))
            for seq, row in enumerate(rows)
        ],
        columns=COPY_COLUMNS,
    )


async def merge(
    uow: UnitOfWork, workspace_id: uuid.UUID, batch_id: uuid.UUID, now: datetime
) -> None:
    """One upsert: last row per key inside the batch, inserted or replacing what an
    earlier batch stored (never what a later batch stored, whatever order merges run in);
    a row equal to the stored one is no update at all, so a replay changes nothing
    (ING-3). The rollups take out what the replaced rows held, then the upsert adds what
    the written rows hold in its own statement; the batch's items keep their first report
    (`kpis.booking`). Merges of other buckets of the workspace run beside it
    (`rollups.lock_buckets`). Runs in the job's transaction: killed midway, it left
    nothing behind."""
    session = uow.session
    batch = await batches(uow).get(workspace_id, batch_id, lock=True)
    if batch.status != IngestStatus.queued:
        return
    staged = {"workspace": workspace_id, "batch": batch_id}
    periods = list(await session.scalars(statements.PERIODS, staged))
    await rollups.lock_buckets(session, workspace_id, periods)
    first, last = min(periods), max(periods)
    await partitions.ensure(
        session, MetricSnapshot.__tablename__, partitions.months_between(first, last)
    )
    timezone = await session.scalar(
        sa.select(Workspace.timezone).where(Workspace.id == workspace_id)
    )
    assert timezone is not None
    await session.execute(statements.DROP_SUPERSEDED, staged)
    span = {"batch": batch_id, "workspace": workspace_id, "first": first, "last": last}
    params = {"seq": batch.seq, **span}
    replaced = (await session.execute(_take_out_statement(timezone), params)).scalar_one()
    written = (await session.execute(_put_in_statement(timezone), params)).scalar_one()
    await booking.note_batch(session, workspace_id, batch_id, timezone)
    await targets.check_batch(uow, workspace_id, batch_id, timezone, now)
    await session.execute(statements.DROP_STAGED, staged)
    batch.inserted = int(written) - int(replaced)
    batch.updated = int(replaced)
    batch.status = IngestStatus.succeeded
    batch.finished_at = now
    await session.flush()
    uow.emit(workspace_id, IngestCompleted(batch=IngestBatchRead.model_validate(batch)))


@functools.lru_cache(maxsize=64)
def _take_out_statement(timezone: str) -> sa.Select[int]:
    """The stored rows the upsert will replace (`statements.REPLACED`) taken out of the
    rollups; returns how many. Run before the upsert, as a statement of its own: one
    statement with both would need its CTEs to share a snapshot, which Citus does not
    give (it runs a data-modifying CTE first, as a subplan). Built once per time zone:
    its some 300 expressions take longer to build than the merge takes to plan."""
    replaced = statements.REPLACED.cte("replaced")
    rolled = rollups.delta(replaced, timezone, -1).cte("rolled")
    return sa.select(sa.func.count()).select_from(replaced).add_cte(rolled)


@functools.lru_cache(maxsize=64)
def _put_in_statement(timezone: str) -> sa.Select[int]:
    """The upsert (`statements.MERGE`), and the rows it wrote, as it returned them, added
    to the rollups; returns how many it wrote."""
    written = statements.MERGE.columns(*MetricSnapshot.__table__.c).cte("written")
    rolled = rollups.delta(written, timezone, +1).cte("rolled")
    return sa.select(sa.func.count()).select_from(written).add_cte(rolled)


async def list_batches(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: IngestStatus | None,
    kind: BatchKind | None,
) -> Page[IngestBatchRead]:
    """The workspace's ingest batches, newest first, by their recorded status; each reads
    as `get_batch` has it."""
    page = await batches(uow).page(
        workspace_id, limit, cursor, sort="-created_at", status=status, kind=kind
    )
    return await long_work_page(uow.session, page, IngestBatchRead)


async def get_batch(
    uow: UnitOfWork, workspace_id: uuid.UUID, batch_id: uuid.UUID
) -> IngestBatchRead:
    """A batch whose merge job failed for good reads as `failed`, with the job's error."""
    batch = await batches(uow).get(workspace_id, batch_id)
    read = IngestBatchRead.model_validate(batch)
    if batch.status == IngestStatus.queued:
        read = read_as_failed(read, await failed_for_good(uow.session, batch.job_id))
    return read


async def list_snapshots(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    *,
    content_item_id: uuid.UUID | None,
    campaign_id: uuid.UUID | None,
    granularity: Granularity | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[MetricSnapshot]:
    """A page of the merged snapshots, after the cursor's key."""
    after = None
    if cursor:
        at, target, grain = decode_key(cursor, "metric_snapshots", 3)
        try:
            after = (datetime.fromisoformat(at), uuid.UUID(target), Granularity(grain))
        except ValueError as exc:
            raise bad_cursor() from exc
    stmt = statements.listing(
        workspace_id,
        content_item_id=content_item_id,
        campaign_id=campaign_id,
        granularity=granularity,
        start=start,
        end=end,
        after=after,
        limit=limit,
    )
    rows = list(await uow.session.scalars(stmt))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_key(
            "metric_snapshots", last.period_start.isoformat(), str(last.target_id), last.granularity
        )
    return Page(items=rows, next_cursor=next_cursor)
