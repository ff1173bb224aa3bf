"""Bulk ingestion of metric snapshots (ING-1..ING-5): validate all, store, merge set-based."""

from __future__ import annotations

import operator
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.content.references import missing_targets
from shared.db import partitions
from shared.db.pagination import Page, bad_cursor, decode_key, encode_key
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import FieldError, ValidationFailed
from shared.jobs.service import failed_for_good, read_as_failed
from shared.kpis import rollups, targets
from shared.kpis.models import DIMENSIONS
from shared.metrics.events import IngestCompleted
from shared.metrics.models import (
    MEASURES,
    BatchKind,
    Granularity,
    IngestBatch,
    IngestRow,
    IngestStatus,
    MetricSnapshot,
)
from shared.metrics.schemas import IngestBatchRead, SnapshotBatch, SnapshotIn, decimal
from shared.workspaces.models import Workspace

MERGE_JOB = "metrics.merge"
#: Platforms report the past; a bucket this far ahead is a client bug, not data.
FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
ENGAGEMENT_PARTS = ("likes", "comments", "shares", "saves")
ROW_COLUMNS = (
    "batch_id",
    "seq",
    "content_item_id",
    "campaign_id",
    "granularity",
    "period_start",
    *MEASURES,
    "source",
)


def batches(uow: UnitOfWork) -> TenantRepository[IngestBatch]:
    return TenantRepository(uow.session, IngestBatch, "ingest batch")


def aligned(moment: datetime, granularity: Granularity) -> bool:
    """`period_start` (in UTC) on a bucket boundary."""
    on_hour = moment.minute == moment.second == moment.microsecond == 0
    return on_hour and (granularity == Granularity.hour or moment.hour == 0)


def engagements(row: SnapshotIn) -> int | None:
    """ING-1: reported as is, else the sum of its four parts when all four are reported."""
    if row.engagements is not None:
        return row.engagements
    parts = [getattr(row, name) for name in ENGAGEMENT_PARTS]
    return None if any(part is None for part in parts) else sum(parts)


def row_problems(rows: list[SnapshotIn], now: datetime) -> list[FieldError]:
    """Every problem a row has on its own, with its index and field (ING-2)."""
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        loc = ("body", "snapshots", index)
        if (row.content_item_id is None) == (row.campaign_id is None):
            errors.append(
                FieldError(
                    (*loc, "content_item_id"),
                    "give exactly one of content_item_id or campaign_id",
                    "one_target",
                )
            )
        period_start = row.period_start.astimezone(UTC)
        if not aligned(period_start, row.granularity):
            errors.append(
                FieldError(
                    (*loc, "period_start"),
                    f"not the start of a UTC {row.granularity}",
                    "unaligned_period",
                )
            )
        elif not EARLIEST <= period_start <= now + FUTURE_SLACK:
            errors.append(
                FieldError(
                    (*loc, "period_start"),
                    "outside 2000-01-01 .. tomorrow: platforms report past buckets",
                    "period_out_of_range",
                )
            )
    return errors


_MEASURES_OF = operator.attrgetter(*MEASURES)
_ENGAGEMENTS = MEASURES.index("engagements")
_SPEND, _VALUE = MEASURES.index("spend"), MEASURES.index("conversion_value")


def _record(batch_id: uuid.UUID, seq: int, row: SnapshotIn) -> tuple[Any, ...]:
    """One COPY record (attribute access in bulk: this runs 10,000 times per request)."""
    values = list(_MEASURES_OF(row))
    values[_ENGAGEMENTS] = engagements(row)
    values[_SPEND], values[_VALUE] = decimal(row.spend), decimal(row.conversion_value)
    return (
        batch_id,
        seq,
        row.content_item_id,
        row.campaign_id,
        row.granularity.value,
        row.period_start,
        *values,
        row.source,
    )


async def ingest(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: SnapshotBatch, now: datetime
) -> IngestBatch:
    """All or nothing (ING-2); accepted rows are COPYed in this transaction with the batch
    and its recorded merge job, so the `202` means durable (ING-3, ING-5)."""
    rows = body.snapshots
    errors = row_problems(rows, now) + await missing_targets(uow, workspace_id, rows, "snapshots")
    if errors:
        raise ValidationFailed(sorted(errors, key=lambda e: (int(e.loc[2]), str(e.loc[-1]))))
    batch = IngestBatch(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        kind=BatchKind.metric_snapshots,
        status=IngestStatus.queued,
        row_count=len(rows),
    )
    uow.session.add(batch)
    job = uow.enqueue(MERGE_JOB, workspace_id=workspace_id, batch_id=str(batch.id))
    batch.job_id = job.id
    await uow.session.flush()
    connection = await uow.session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        IngestRow.__tablename__,
        records=[_record(batch.id, seq, row) for seq, row in enumerate(rows)],
        columns=ROW_COLUMNS,
    )
    return batch


_SNAPSHOT_COLUMNS = (*MEASURES, "source", "campaign_id", *DIMENSIONS[3:])
#: The batch's rows (one per key once `_SUPERSEDED` is gone) with what the merge adds:
#: the target, and the content item's campaign, platform, format and paid flag.
_STAGED = """
    SELECT r.*, coalesce(r.content_item_id, r.campaign_id) AS target_id,
           coalesce(c.campaign_id, r.campaign_id) AS campaign_ref,
           c.platform, c.format, c.paid
    FROM ingest_rows r LEFT JOIN content_items c ON c.id = r.content_item_id
    WHERE r.batch_id = :batch
"""
_STAGED_VALUES = ", ".join(
    f"l.{'campaign_ref' if name == 'campaign_id' else name}" for name in _SNAPSHOT_COLUMNS
)
_SAME_KEY = """m.workspace_id = :workspace AND m.target_id = l.target_id
     AND m.granularity = l.granularity AND m.period_start = l.period_start"""
#: Last row wins inside a batch (ING-3): the earlier rows of a key are dropped first.
#: A window over the batch, not a self-join: on a queue table the planner's row counts
#: are anyone's guess, and a nested-loop self-join of 10,000 rows is 10^8 comparisons.
_SUPERSEDED = sa.text(
    """
    WITH earlier AS MATERIALIZED (
        SELECT seq FROM (
            SELECT seq, row_number() OVER (
                PARTITION BY coalesce(content_item_id, campaign_id), granularity,
                             period_start
                ORDER BY seq DESC
            ) AS rank
            FROM ingest_rows WHERE batch_id = :batch
        ) ranked
        WHERE rank > 1
    )
    DELETE FROM ingest_rows r USING earlier
    WHERE r.batch_id = :batch AND r.seq = earlier.seq
    """
)
#: The stored row of each staged key, looked up by key: `OFFSET 0` keeps it a nested
#: loop whatever the queue table's statistics say (estimated from a queue's ever-changing
#: contents, a join plan can read the workspace's partitions whole, or worse), and the
#: batch's time range prunes the partitions probed to its months.
_STORED = f"""
    CROSS JOIN LATERAL (
        SELECT * FROM metric_snapshots m
        WHERE {_SAME_KEY} AND m.period_start BETWEEN :first AND :last
        OFFSET 0
    ) m
"""
#: Stored rows the merge will replace: what `_MERGE`'s WHERE lets through.
_REPLACED = f"""
    SELECT m.* FROM ({_STAGED}) l {_STORED}
    WHERE m.batch_seq < :seq
      AND ({", ".join(f"m.{name}" for name in _SNAPSHOT_COLUMNS)})
          IS DISTINCT FROM ({_STAGED_VALUES})
"""
_KEYS = """
    (SELECT coalesce(content_item_id, campaign_id) AS target_id, granularity, period_start
     FROM ingest_rows WHERE batch_id = :batch) l
"""
#: Stored rows the merge wrote (inserted or replaced).
_WRITTEN = f"SELECT m.* FROM {_KEYS} {_STORED} WHERE m.batch_id = :batch"
_SET = ", ".join(f"{name} = EXCLUDED.{name}" for name in _SNAPSHOT_COLUMNS)
_CHANGED = (
    f"({', '.join(f'metric_snapshots.{n}' for n in _SNAPSHOT_COLUMNS)}) "
    f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{n}' for n in _SNAPSHOT_COLUMNS)})"
)
_MERGE = sa.text(
    f"""
    WITH written AS (
    INSERT INTO metric_snapshots (workspace_id, target_id, granularity, period_start,
                                  content_item_id, {", ".join(_SNAPSHOT_COLUMNS)},
                                  batch_id, batch_seq, updated_at)
    SELECT :workspace, target_id, granularity, period_start, content_item_id,
           {_STAGED_VALUES}, :batch, :seq, now()
    FROM ({_STAGED}) l
    ON CONFLICT (workspace_id, target_id, granularity, period_start) DO UPDATE
    SET {_SET}, batch_id = EXCLUDED.batch_id, batch_seq = EXCLUDED.batch_seq,
        updated_at = now()
    WHERE EXCLUDED.batch_seq > metric_snapshots.batch_seq AND {_CHANGED}
    RETURNING 1
    )
    SELECT (SELECT count(*) FROM ingest_rows WHERE batch_id = :batch),
           (SELECT count(*) FROM written)
    """
)
#: Keys of the batch already stored, counted before the upsert.
_EXISTING = sa.text(f"SELECT count(*) FROM {_KEYS} {_STORED}")


def _snapshots(sql: str, **params: object) -> sa.TextualSelect:
    return sa.text(sql).bindparams(**params).columns(*MetricSnapshot.__table__.c)


async def merge(
    uow: UnitOfWork, workspace_id: uuid.UUID, batch_id: uuid.UUID, now: datetime
) -> None:
    """One upsert: last row per key inside the batch, inserted or replacing what an
    earlier batch stored (never what a later batch stored, whatever order merges run in);
    a row equal to the stored one is no update at all, so a replay changes nothing
    (ING-3). The rollups take out what the replaced rows held and add what the written
    rows hold. Runs in the job's transaction: killed midway, it left nothing behind."""
    session = uow.session
    await rollups.lock_workspace(session, workspace_id)
    batch = await batches(uow).get(workspace_id, batch_id, lock=True)
    if batch.status != IngestStatus.queued:
        return
    first, last = (
        await session.execute(
            sa.text(
                "SELECT min(period_start), max(period_start) FROM ingest_rows "
                "WHERE batch_id = :batch"
            ),
            {"batch": batch_id},
        )
    ).one()
    await partitions.ensure(
        session, MetricSnapshot.__tablename__, partitions.months_between(first, last)
    )
    timezone = await session.scalar(
        sa.select(Workspace.timezone).where(Workspace.id == workspace_id)
    )
    assert timezone is not None
    span = {"first": first, "last": last}
    params = {"batch": batch_id, "workspace": workspace_id, "seq": batch.seq, **span}
    await session.execute(_SUPERSEDED, {"batch": batch_id})
    existing = await session.scalar(_EXISTING, params)
    await rollups.apply(session, _snapshots(_REPLACED, **params), timezone, -1)
    # `written` counts the rows inserted or really changed (equal rows are not updated).
    keys, written = (await session.execute(_MERGE, params)).one()
    await rollups.apply(
        session,
        _snapshots(_WRITTEN, batch=batch_id, workspace=workspace_id, **span),
        timezone,
        +1,
    )
    await targets.check_batch(uow, workspace_id, batch_id, timezone, now)
    await session.execute(sa.delete(IngestRow).where(IngestRow.batch_id == batch_id))
    batch.inserted = int(keys) - int(existing or 0)
    batch.updated = int(written) - batch.inserted
    batch.status = IngestStatus.succeeded
    batch.finished_at = now
    await session.flush()
    uow.emit(workspace_id, IngestCompleted(batch=IngestBatchRead.model_validate(batch)))


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
    """Ordered by (period_start, target, granularity): the key, so keyset paging is exact."""
    s = MetricSnapshot
    stmt = sa.select(s).where(s.workspace_id == workspace_id)
    if content_item_id is not None:
        stmt = stmt.where(s.content_item_id == content_item_id)
    if campaign_id is not None:
        stmt = stmt.where(s.campaign_id == campaign_id)
    if granularity is not None:
        stmt = stmt.where(s.granularity == granularity)
    if start is not None:
        stmt = stmt.where(s.period_start >= start)
    if end is not None:
        stmt = stmt.where(s.period_start < end)
    if cursor:
        at, target, grain = decode_key(cursor, "metric_snapshots", 3)
        try:
            key = (datetime.fromisoformat(at), uuid.UUID(target), Granularity(grain))
        except ValueError as exc:
            raise bad_cursor() from exc
        stmt = stmt.where(sa.tuple_(s.period_start, s.target_id, s.granularity) > sa.tuple_(*key))
    rows = list(
        await uow.session.scalars(
            stmt.order_by(s.period_start, s.target_id, s.granularity).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_key(
            "metric_snapshots", last.period_start.isoformat(), str(last.target_id), last.granularity
        )
    return Page(items=rows, next_cursor=next_cursor)
