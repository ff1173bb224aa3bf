"""The SQL of the KPI endpoints: additive sums per group, read from monthly and daily
rollups where whole local months and days allow, and from snapshots for the rest."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.content.models import ContentFormat, ContentItem
from shared.kpis import windows
from shared.kpis.measures import SUM_COLUMNS, Sums, as_sums, contributions, totals
from shared.kpis.models import metric_rollups
from shared.kpis.rollups import local_day
from shared.metrics.models import Granularity, MetricSnapshot
from shared.social_accounts.models import Platform


class GroupBy(enum.StrEnum):
    campaign = "campaign"
    content_item = "content_item"
    platform = "platform"
    format_ = "format"
    paid = "paid"
    day = "day"
    week = "week"
    month = "month"
    none = "none"


class Level(enum.StrEnum):
    """Which snapshots a read adds up: the content items' or the campaigns' own. Never
    both: a platform reporting a campaign's total and its items' would count twice."""

    content_item = "content_item"
    campaign = "campaign"


TIME_GROUPS = frozenset({GroupBy.day, GroupBy.week, GroupBy.month})


@dataclass(frozen=True)
class Scope:
    """What every KPI endpoint filters on (SPEC section 5)."""

    workspace_id: uuid.UUID
    timezone: str
    start: datetime | None = None
    end: datetime | None = None
    granularity: Granularity = Granularity.day
    level: Level = Level.content_item
    campaign_id: uuid.UUID | None = None
    platform: Platform | None = None
    format: ContentFormat | None = None
    paid: bool | None = None
    #: Only these content items (raw reads only: rollups do not hold items).
    content_item_ids: tuple[uuid.UUID, ...] | None = None


#: One value per grouping: a campaign or item id, a platform, a format, a local date, None.
Key = tuple[Any, ...]


def _bucket(day: sa.ColumnElement[Any], group_by: GroupBy) -> sa.ColumnElement[Any]:
    if group_by == GroupBy.day:
        return day
    return sa.cast(sa.func.date_trunc(group_by.value, day), sa.Date)


def _key(
    group_by: GroupBy, source: sa.FromClause, day: sa.ColumnElement[Any]
) -> sa.ColumnElement[Any]:
    if group_by in TIME_GROUPS:
        return _bucket(day, group_by)
    if group_by == GroupBy.none:
        return sa.cast(sa.null(), sa.Text)
    if group_by == GroupBy.campaign:
        return source.c.campaign_id
    if group_by == GroupBy.content_item:
        return source.c.content_item_id
    return source.c[group_by.value]


def _dimension_filters(scope: Scope, source: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        source.c.workspace_id == scope.workspace_id,
        source.c.granularity == scope.granularity,
    ]
    for name in ("campaign_id", "platform", "format", "paid"):
        value = getattr(scope, name)
        if value is not None:
            conditions.append(source.c[name] == value)
    return conditions


def _between(column: sa.ColumnElement[Any], bounds: tuple[Any, Any]) -> sa.ColumnElement[bool]:
    low, high = bounds
    conditions = [sa.true()]
    if low is not None:
        conditions.append(column >= low)
    if high is not None:
        conditions.append(column < high)
    return sa.and_(*conditions)


def _keys(
    groups: Sequence[GroupBy], source: sa.FromClause, day: sa.ColumnElement[Any]
) -> list[sa.Label[Any]]:
    return [_key(group, source, day).label(f"k{i}") for i, group in enumerate(groups)]


def _from_rollups(
    scope: Scope, groups: Sequence[GroupBy], span: str, ranges: list[windows.DateRange]
) -> sa.Select[Any]:
    r = metric_rollups
    return sa.select(*_keys(groups, r, r.c.bucket), *(r.c[n] for n in SUM_COLUMNS)).where(
        *_dimension_filters(scope, r),
        r.c.level == scope.level.value,
        r.c.span == span,
        sa.or_(*(_between(r.c.bucket, bounds) for bounds in ranges)),
    )


def _from_snapshots(
    scope: Scope, groups: Sequence[GroupBy], ranges: list[windows.InstantRange]
) -> sa.Select[Any]:
    s = MetricSnapshot.__table__
    keys = _keys(groups, s, local_day(s.c.period_start, scope.timezone))
    conditions = [
        *_dimension_filters(scope, s),
        s.c.content_item_id.is_not(None)
        if scope.level == Level.content_item
        else s.c.content_item_id.is_(None),
        sa.or_(*(_between(s.c.period_start, bounds) for bounds in ranges)),
    ]
    if scope.content_item_ids is not None:
        conditions.append(s.c.target_id.in_(scope.content_item_ids))
    inner = sa.select(*keys, *s.c).where(*conditions).subquery("raw")
    inner_keys = [inner.c[key.name] for key in keys]
    return sa.select(*inner_keys, *contributions(inner)).group_by(*inner_keys)


async def grouped_sums(
    session: AsyncSession, scope: Scope, *groups: GroupBy, rollups: bool = True
) -> dict[Key, Sums]:
    """SUM_COLUMNS per group (one key value per grouping) over the scope. With
    `rollups=False` all is read from the snapshots: the reference the rollup path is
    tested against."""
    raw_only = GroupBy.content_item in groups or scope.content_item_ids is not None or not rollups
    if raw_only:
        parts = [_from_snapshots(scope, groups, [(scope.start, scope.end)])]
    else:
        months = not {GroupBy.day, GroupBy.week} & set(groups)
        plan = windows.plan(scope.start, scope.end, scope.timezone, months=months)
        parts = []
        if plan.months is not None:
            parts.append(_from_rollups(scope, groups, "month", [plan.months]))
        if plan.days:
            parts.append(_from_rollups(scope, groups, "day", plan.days))
        if plan.raw:
            parts.append(_from_snapshots(scope, groups, plan.raw))
    union = sa.union_all(*parts).subquery("parts") if len(parts) > 1 else parts[0].subquery()
    keys = [union.c[f"k{i}"] for i in range(len(groups))]
    statement = (
        sa.select(*keys, *totals(union)).group_by(*keys).having(sa.func.sum(union.c.snapshots) > 0)
    )
    rows = (await session.execute(statement)).mappings()
    return {tuple(row[f"k{i}"] for i in range(len(groups))): as_sums(row) for row in rows}


async def production_costs(
    session: AsyncSession, scope: Scope, *groups: GroupBy
) -> dict[Key, Decimal]:
    """Production cost per group, booked when the item is published: the items published
    in `[from, to)` that match the scope (a cost counted once, whatever the grouping)."""
    c = ContentItem.__table__
    day = local_day(c.c.published_at, scope.timezone)
    keys = [
        (c.c.id if group == GroupBy.content_item else _key(group, c, day)).label(f"k{i}")
        for i, group in enumerate(groups)
    ]
    conditions = [
        c.c.workspace_id == scope.workspace_id,
        c.c.published_at.is_not(None),
        c.c.production_cost.is_not(None),
        _between(c.c.published_at, (scope.start, scope.end)),
    ]
    for name in ("campaign_id", "platform", "format", "paid"):
        value = getattr(scope, name)
        if value is not None:
            conditions.append(c.c[name] == value)
    if scope.content_item_ids is not None:
        conditions.append(c.c.id.in_(scope.content_item_ids))
    rows = await session.execute(
        sa.select(*keys, sa.func.sum(c.c.production_cost)).where(*conditions).group_by(*keys)
    )
    return {tuple(row[:-1]): Decimal(row[-1]) for row in rows}
