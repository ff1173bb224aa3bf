"""When a content item's production cost is booked: once, at its publication, or for an
item never marked published (posted through another tool) at its first reported snapshot.
An item that neither ran nor was published has cost nothing yet.

`content_items.first_reported_at` holds the position (`days.position`) of the item's
earliest snapshot, any granularity: every merge lowers it to its batch's earliest, and a
rollup rebuild (the workspace's time zone moves positions) recomputes it.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.content.models import ContentItem
from shared.kpis.days import position
from shared.metrics.models import IngestRow, MetricSnapshot


def booked_at(items: sa.FromClause) -> sa.ColumnElement[object]:
    """When each item's production cost is booked; null while it has cost nothing."""
    return sa.func.coalesce(items.c.published_at, items.c.first_reported_at)


def _firsts(rows: sa.FromClause, condition: sa.ColumnElement[bool], timezone: str) -> sa.Subquery:
    at = position(rows.c.period_start, rows.c.granularity, timezone)
    return (
        sa.select(rows.c.content_item_id.label("item"), sa.func.min(at).label("first"))
        .where(condition, rows.c.content_item_id.is_not(None))
        .group_by(rows.c.content_item_id)
        .subquery("firsts")
    )


async def note_batch(
    session: AsyncSession, workspace_id: uuid.UUID, batch_id: uuid.UUID, timezone: str
) -> None:
    """A merge: each item of the staged batch keeps the earlier of its first report and
    the batch's earliest row (only items it moves are written)."""
    rows = IngestRow.__table__
    firsts = _firsts(
        rows, sa.and_(rows.c.workspace_id == workspace_id, rows.c.batch_id == batch_id), timezone
    )
    earlier = sa.or_(
        ContentItem.first_reported_at.is_(None), ContentItem.first_reported_at > firsts.c.first
    )
    await _write_firsts(session, workspace_id, firsts, earlier)


async def recompute_workspace(
    session: AsyncSession, workspace_id: uuid.UUID, timezone: str
) -> None:
    """Every item's first report from the stored snapshots, in the zone given."""
    snapshots = MetricSnapshot.__table__
    firsts = _firsts(snapshots, snapshots.c.workspace_id == workspace_id, timezone)
    changed = ContentItem.first_reported_at.is_distinct_from(firsts.c.first)
    await _write_firsts(session, workspace_id, firsts, changed)


async def _write_firsts(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    firsts: sa.Subquery,
    moves: sa.ColumnElement[bool],
) -> None:
    """Set `first_reported_at` from `firsts` on the workspace's items that `moves` names."""
    item = ContentItem
    await session.execute(
        sa.update(item)
        .where(item.id == firsts.c.item, item.workspace_id == workspace_id, moves)
        # Not an edit of the item: what it shows (and its `updated_at`) is unchanged.
        .values(first_reported_at=firsts.c.first, updated_at=item.updated_at)
        .execution_options(synchronize_session=False)
    )
