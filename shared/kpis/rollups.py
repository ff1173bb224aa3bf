"""Upkeep of `metric_rollups`: every change to `metric_snapshots` is applied as a delta.

A merge takes out what the rows it replaces had added and adds what the rows it wrote
hold now, in one statement; a content item whose campaign, format or paid flag changed is
taken out under its old dimensions and put back under the new ones.

The rows a delta subtracts must be the rows the merge replaces: no other writer may touch
the same keys meanwhile. Merges of one workspace lock the buckets (`period_start`) they
write, so merges of other buckets run beside them (`lock_buckets`); a rebuild, and a
merge of too many buckets, lock the whole workspace (`lock_workspace`). Rollup rows are
written in key order, so concurrent merges wait for each other there, never deadlock.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.kpis import booking
from shared.kpis.days import reporting_day
from shared.kpis.measures import SUM_COLUMNS, contributions
from shared.kpis.models import DIMENSIONS, metric_rollups
from shared.metrics.models import MetricSnapshot
from shared.workspaces.models import Workspace

#: Advisory lock class of a workspace's snapshot writes (any constant, ours).
_LOCK_CLASS = 0x5D_0002
#: Snapshot rows, whole: a select on `metric_snapshots` or a textual one with its columns.
Rows = sa.Select[tuple[object, ...]] | sa.TextualSelect
KEY = ("workspace_id", "span", "granularity", "level", "bucket", *DIMENSIONS[2:])


#: A merge of more buckets than this locks its whole workspace: the lock table is shared
#: by every connection (max_locks_per_transaction x max_connections slots).
MAX_BUCKET_LOCKS = 512


async def lock_workspace(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Serialise the snapshot writes of one workspace until the transaction ends."""
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(:ws))"),
        {"cls": _LOCK_CLASS, "ws": str(workspace_id)},
    )


def bucket_key(workspace_id: uuid.UUID, period_start: datetime) -> int:
    """A signed 64-bit advisory lock key for one bucket of a workspace (a collision only
    makes two merges wait for each other)."""
    digest = hashlib.blake2b(
        workspace_id.bytes + period_start.isoformat().encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_buckets(
    session: AsyncSession, workspace_id: uuid.UUID, period_starts: Iterable[datetime]
) -> None:
    """Lock the buckets a merge writes until the transaction ends: a merge of other
    buckets of the workspace goes on beside it. The workspace is held shared, so a
    rebuild (exclusive) waits for the merges in flight; the buckets are locked in one
    order, so two merges never deadlock on them. Too many buckets lock the workspace."""
    keys: Sequence[int] = sorted({bucket_key(workspace_id, p) for p in period_starts})
    if len(keys) > MAX_BUCKET_LOCKS:
        await lock_workspace(session, workspace_id)
        return
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock_shared(:cls, hashtext(:ws))"),
        {"cls": _LOCK_CLASS, "ws": str(workspace_id)},
    )
    # unnest keeps the array's order, and the aggregate takes the locks in it.
    await session.execute(
        sa.text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) k"),
        {"keys": list(keys)},
    )


def level_of(source: sa.FromClause) -> sa.ColumnElement[str]:
    return sa.case((source.c.content_item_id.is_(None), "campaign"), else_="content_item")


def _grouped(rows: Rows | sa.FromClause, timezone: str, sign: int) -> sa.Select[Any]:
    """The contributions (times `sign`) of the snapshot rows selected by `rows` to the
    rollups of the local day and month each reports under (`days`), in one scan."""
    source = rows.subquery("s") if isinstance(rows, sa.SelectBase) else rows
    day = reporting_day(source.c.period_start, source.c.granularity, timezone)
    bucketed = sa.select(
        source,
        level_of(source).label("level"),
        day.label("day"),
        sa.cast(sa.func.date_trunc("month", day), sa.Date).label("month"),
    ).subquery("b")
    dimensions = [bucketed.c[name] for name in DIMENSIONS]
    return sa.select(
        bucketed.c.workspace_id,
        sa.case((sa.func.grouping(bucketed.c.day) == 0, "day"), else_="month").label("span"),
        sa.func.coalesce(bucketed.c.day, bucketed.c.month).label("bucket"),
        *dimensions,
        *contributions(bucketed, sign),
    ).group_by(
        bucketed.c.workspace_id,
        *dimensions,
        sa.func.grouping_sets(sa.tuple_(bucketed.c.day), sa.tuple_(bucketed.c.month)),
    )


def _upsert(grouped: sa.Select[Any]) -> sa.Insert:
    """Add the grouped contributions to the rollups, in key order (`lock_buckets`)."""
    statement = insert(metric_rollups).from_select(
        ["workspace_id", "span", "bucket", *DIMENSIONS, *SUM_COLUMNS], grouped
    )
    return statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: metric_rollups.c[name] + statement.excluded[name] for name in SUM_COLUMNS},
    )


def delta(rows: Rows | sa.FromClause, timezone: str, sign: int) -> sa.Insert:
    """INSERT .. ON CONFLICT that adds (or, sign -1, subtracts) the contributions of the
    snapshot rows selected by `rows`."""
    grouped = _grouped(rows, timezone, sign).subquery("g")
    return _upsert(sa.select(grouped).order_by(*(grouped.c[name] for name in KEY)))


async def apply(session: AsyncSession, rows: Rows, timezone: str, sign: int) -> None:
    await session.execute(delta(rows, timezone, sign))


def snapshot_rows() -> sa.Select[tuple[object, ...]]:
    """All columns of `metric_snapshots`, to be narrowed with `.where()`."""
    return sa.select(MetricSnapshot.__table__)


#: Snapshots take their item's current campaign, platform, format and paid flag.
_REFRESH_DIMENSIONS = sa.text(
    """
    UPDATE metric_snapshots m
    SET campaign_id = c.campaign_id, platform = c.platform, format = c.format, paid = c.paid
    FROM content_items c
    WHERE m.workspace_id = :ws AND c.workspace_id = m.workspace_id AND c.id = m.content_item_id
      AND (m.campaign_id, m.platform, m.format, m.paid)
          IS DISTINCT FROM (c.campaign_id, c.platform, c.format, c.paid)
    """
)


async def rebuild_workspace(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Recompute a workspace's rollups from its snapshots, in its current time zone and
    with its items' current dimensions (after a time-zone change or an item's move to
    another campaign, format or paid flag), and its items' first reports: a time zone
    moves positions (`days`)."""
    await lock_workspace(session, workspace_id)
    timezone = await session.scalar(
        sa.select(Workspace.timezone).where(Workspace.id == workspace_id)
    )
    if timezone is None:
        return  # the workspace is gone
    await session.execute(_REFRESH_DIMENSIONS, {"ws": workspace_id})
    await session.execute(
        sa.delete(metric_rollups).where(metric_rollups.c.workspace_id == workspace_id)
    )
    await apply(
        session,
        snapshot_rows().where(MetricSnapshot.workspace_id == workspace_id),
        timezone,
        +1,
    )
    await booking.recompute_workspace(session, workspace_id, timezone)
