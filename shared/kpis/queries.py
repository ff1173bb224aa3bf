"""The SQL of the KPI endpoints: additive sums per group, read from monthly and daily
rollups where whole local months and days allow, and from snapshots for the rest. Both
place a snapshot at its position (`days`): a daily snapshot reports under its local day."""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.content.models import ContentFormat, ContentItem
from shared.kpis import days, windows
from shared.kpis.booking import booked_at
from shared.kpis.measures import MONEY_COLUMNS, SUM_COLUMNS, Sums, contributions, totals
from shared.kpis.models import metric_rollups
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


class SnapshotLevel(enum.StrEnum):
    """Which snapshots a read adds up: the content items' or the campaigns' own. Never
    both: a platform reporting a campaign's total and its items' would count twice."""

    content_item = "content_item"
    campaign = "campaign"


TIME_GROUPS = frozenset({GroupBy.day, GroupBy.week, GroupBy.month})


@dataclass(frozen=True)
class Scope:
    """What every KPI endpoint filters on (docs/contract.md, Analytics)."""

    workspace_id: uuid.UUID
    timezone: str
    start: datetime | None = None
    end: datetime | None = None
    granularity: Granularity = Granularity.day
    level: SnapshotLevel = SnapshotLevel.content_item
    campaign_id: uuid.UUID | None = None
    platform: Platform | None = None
    format: ContentFormat | None = None
    paid: bool | None = None
    #: Only these content items (raw reads only: rollups do not hold items).
    content_item_ids: tuple[uuid.UUID, ...] | None = None
    #: Only these campaigns (several at once; `campaign_id` is the one of the API).
    campaign_ids: tuple[uuid.UUID, ...] | None = None


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


_FILTERS = ("campaign_id", "platform", "format", "paid")
#: The sums a read returns, counts and amounts apart (an array of each per row).
_COUNTS = tuple(name for name in SUM_COLUMNS if name not in MONEY_COLUMNS)
_AMOUNTS = tuple(name for name in SUM_COLUMNS if name in MONEY_COLUMNS)
#: The driver's own dialect: a statement compiled once runs as its `$n` text ever after.
_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

Bounds = tuple[bool, bool]  # (has a low bound, has a high bound)
#: A range of positions read from snapshots: its bounds, and the open ends of the intervals
#: of starts of the days placed into it and out of it.
RawRange = tuple[Bounds, tuple[bool, ...], tuple[bool, ...]]
#: The parameter prefixes of raw ranges (range, placed into, placed out of), and of those
#: taken back out.
_RAW = ("r", "n", "o")
_MINUS_RAW = ("y", "yn", "yo")


@dataclass(frozen=True)
class _Shape:
    """Everything a sums statement's text depends on; the values are bound at execution."""

    groups: tuple[GroupBy, ...]
    level: SnapshotLevel
    #: Daily snapshots: placed at their position, not always their start (`days`).
    daily: bool
    filters: tuple[str, ...]
    items: bool
    campaigns: bool
    months: Bounds | None
    days: tuple[Bounds, ...]
    minus_days: tuple[Bounds, ...]
    #: Ranges of positions read from the snapshots, each with the intervals of starts
    #: of the days placed into it and out of it (`days.moves`; their open ends).
    raw: tuple[RawRange, ...]
    #: The same, taken back out of a partial day's daily rollup (`windows.Edge`).
    minus_raw: tuple[RawRange, ...] = ()


def _dimension_filters(shape: _Shape, source: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        source.c.workspace_id == sa.bindparam("ws"),
        source.c.granularity == sa.bindparam("granularity"),
    ]
    conditions += [source.c[name] == sa.bindparam(name) for name in shape.filters]
    if shape.campaigns:
        conditions.append(source.c.campaign_id == sa.func.any(sa.bindparam("campaigns")))
    return conditions


def _between(column: sa.ColumnElement[Any], name: str, bounds: Bounds) -> sa.ColumnElement[bool]:
    conditions: list[sa.ColumnElement[bool]] = [sa.true()]
    if bounds[0]:
        conditions.append(column >= sa.bindparam(f"{name}_lo"))
    if bounds[1]:
        conditions.append(column < sa.bindparam(f"{name}_hi"))
    return sa.and_(*conditions)


def _keys(
    groups: Sequence[GroupBy], source: sa.FromClause, day: sa.ColumnElement[Any]
) -> list[sa.Label[Any]]:
    return [_key(group, source, day).label(f"k{i}") for i, group in enumerate(groups)]


def _from_rollups(
    shape: _Shape, span: str, ranges: dict[str, Bounds], sign: int = 1
) -> sa.Select[Any]:
    r = metric_rollups
    keys = _keys(shape.groups, r, r.c.bucket)
    rows = (
        sa.select(*keys, *(r.c[n] for n in SUM_COLUMNS))
        .where(
            *_dimension_filters(shape, r),
            r.c.level == shape.level.value,
            r.c.span == span,
            sa.or_(*(_between(r.c.bucket, name, bounds) for name, bounds in ranges.items())),
        )
        .subquery(f"{span}{'_minus' if sign < 0 else ''}")
    )
    grouped = [rows.c[key.name] for key in keys]
    sums = totals(rows) if sign == 1 else [(-s.element).label(s.name) for s in totals(rows)]
    return sa.select(*grouped, *sums).group_by(*grouped)


def _starts(start: sa.ColumnElement[Any], name: str, opened: bool) -> sa.ColumnElement[bool]:
    low: sa.BindParameter[Any] = sa.bindparam(f"{name}_lo")
    return sa.and_(start > low if opened else start >= low, start < sa.bindparam(f"{name}_hi"))


def _placed(
    shape: _Shape, entries: tuple[RawRange, ...], prefixes: tuple[str, str, str], start: Any
) -> list[sa.ColumnElement[bool]]:
    """Each raw range's rows, by their position, tested on their start alone: those
    starting in it but for the days placed out of it, and the days placed into it."""
    r, n, o = prefixes
    ranges = []
    for i, (bounds, into, out_of) in enumerate(entries):
        kept = _between(start, f"{r}{i}", bounds)
        if shape.daily and out_of:
            kept = sa.and_(
                kept,
                sa.not_(sa.or_(*(_starts(start, f"{o}{i}_{j}", x) for j, x in enumerate(out_of)))),
            )
        moved_in = (
            [_starts(start, f"{n}{i}_{j}", x) for j, x in enumerate(into)] if shape.daily else []
        )
        ranges.append(sa.or_(kept, *moved_in))
    return ranges


def _from_snapshots(
    shape: _Shape,
    entries: tuple[RawRange, ...],
    prefixes: tuple[str, str, str] = _RAW,
    sign: int = 1,
) -> sa.Select[Any]:
    s = MetricSnapshot.__table__
    tz = sa.bindparam("tz", type_=sa.Text)
    start = s.c.period_start
    day = (
        days.placement(start, s.c.granularity, tz).day
        if shape.daily
        else days.local_day(start, tz)  # an hour is placed at its start
    )
    keys = _keys(shape.groups, s, day)
    conditions = [
        *_dimension_filters(shape, s),
        s.c.content_item_id.is_not(None)
        if shape.level == SnapshotLevel.content_item
        else s.c.content_item_id.is_(None),
        sa.or_(*_placed(shape, entries, prefixes, start)),
    ]
    if shape.items:
        conditions.append(s.c.target_id == sa.func.any(sa.bindparam("items")))
    inner = sa.select(*keys, *s.c).where(*conditions).subquery(prefixes[0] + "aw")
    inner_keys = [inner.c[key.name] for key in keys]
    return sa.select(*inner_keys, *contributions(inner, sign)).group_by(*inner_keys)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...]  # parameter names in `$n` order
    constants: dict[str, Any]

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(params[n] if n in params else self.constants[n] for n in self.order)


@functools.lru_cache(maxsize=512)
def _sums_sql(shape: _Shape) -> _Compiled:
    """The statement's text and its constant parameters: building and compiling this
    statement (hundreds of aggregates) costs more than running it on the rollups."""
    parts = []
    if shape.months is not None:
        parts.append(_from_rollups(shape, "month", {"m": shape.months}))
    if shape.days:
        parts.append(_from_rollups(shape, "day", {f"d{i}": b for i, b in enumerate(shape.days)}))
    if shape.minus_days:
        minus = {f"x{i}": b for i, b in enumerate(shape.minus_days)}
        parts.append(_from_rollups(shape, "day", minus, sign=-1))
    if shape.raw:
        parts.append(_from_snapshots(shape, shape.raw))
    if shape.minus_raw:
        parts.append(_from_snapshots(shape, shape.minus_raw, _MINUS_RAW, sign=-1))
    if len(parts) == 1:  # already one row per group: no second aggregation
        only = parts[0].subquery("sums")
        summed = sa.select(only).where(only.c.snapshots > 0).subquery("summed")
    else:
        union = sa.union_all(*parts).subquery("parts")
        keys = [union.c[f"k{i}"] for i in range(len(shape.groups))]
        summed = (
            sa.select(*keys, *totals(union))
            .group_by(*keys)
            .having(sa.func.sum(union.c.snapshots) > 0)
            .subquery("summed")
        )
    # Two arrays a row rather than 58 columns: the driver decodes a thousand rows of
    # them in half the time (most of a year's read on the rollups was that decoding).
    statement = sa.select(
        *(summed.c[f"k{i}"] for i in range(len(shape.groups))),
        sa.cast(array([summed.c[name] for name in _COUNTS]), ARRAY(sa.BigInteger)),
        sa.cast(array([summed.c[name] for name in _AMOUNTS]), ARRAY(sa.Numeric)),
    )
    compiled = statement.compile(dialect=_DIALECT)
    return _Compiled(str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))


def _bounds(low: Any, high: Any) -> Bounds:
    return (low is not None, high is not None)


def _raw_ranges(
    ranges: list[windows.InstantRange],
    prefixes: tuple[str, str, str],
    daily: bool,
    timezone: str,
    params: dict[str, Any],
) -> tuple[RawRange, ...]:
    """The shape of raw ranges read from snapshots; their values into `params`."""
    r, n, o = prefixes
    shapes = []
    for i, (low, high) in enumerate(ranges):
        params[f"{r}{i}_lo"], params[f"{r}{i}_hi"] = low, high
        moved = days.moves(low, high, timezone) if daily else days.Moves((), ())
        for prefix, intervals in ((f"{n}{i}", moved.into), (f"{o}{i}", moved.out_of)):
            for j, interval in enumerate(intervals):
                params[f"{prefix}_{j}_lo"], params[f"{prefix}_{j}_hi"] = interval.low, interval.high
        opened = (tuple(x.open for x in moved.into), tuple(x.open for x in moved.out_of))
        shapes.append((_bounds(low, high), *opened))
    return tuple(shapes)


#: Enough snapshots counted to tell a day's worth from a handful.
_PEEK = 2000


@functools.lru_cache(maxsize=4)
def _peek_sql(ranges: int) -> str:
    counts = ", ".join(
        "(SELECT count(*) FROM (SELECT 1 FROM metric_snapshots WHERE workspace_id = $1 "
        f"AND period_start >= ${2 * i + 2} AND period_start < ${2 * i + 3} LIMIT {_PEEK}) p)"
        for i in range(ranges)
    )
    return f"SELECT {counts}"


async def _rest_is_lighter(
    connection: AsyncConnection, scope: Scope, edges: list[windows.Edge]
) -> list[bool]:
    """Whether to read each partial day as its daily rollup minus the rest of the day:
    when fewer snapshots start in the rest than in the part (counted on the index, up to
    `_PEEK`; the shorter wins a tie). A guess on starts that only picks between two exact
    reads: a daily snapshot's position is at most a day from its start."""
    if not edges:
        return []
    ranges = [r for edge in edges for r in (edge.part, edge.rest)]
    bounds = [b for low, high in ranges for b in (low, high)]
    result = await connection.exec_driver_sql(_peek_sql(len(ranges)), (scope.workspace_id, *bounds))
    counts = result.one()
    lighter = []
    for i, edge in enumerate(edges):
        part, rest = counts[2 * i], counts[2 * i + 1]
        shorter = _length(edge.rest) < _length(edge.part)
        lighter.append(rest < part or (rest == part and shorter))
    return lighter


def _length(instants: windows.InstantRange) -> timedelta:
    low, high = instants
    assert low is not None, "an edge is a bounded part of a day"
    assert high is not None, "an edge is a bounded part of a day"
    return high - low


def _add_day(
    day: date, whole_days: list[windows.DateRange], minus: list[windows.DateRange]
) -> None:
    """Read `day` from the daily rollups: rather than adding it back, keep it out of the
    days taken from its month (it is at their end or start)."""
    after = day + timedelta(days=1)
    for i, (low, high) in enumerate(minus):
        if high == after or low == day:
            first, end = (low, day) if high == after else (after, high)
            if first is not None and end is not None and first < end:
                minus[i] = (first, end)
            else:
                del minus[i]
            return
    whole_days.append((day, after))


async def grouped_sums(
    session: AsyncSession, scope: Scope, *groups: GroupBy, rollups: bool = True
) -> dict[Key, Sums]:
    """SUM_COLUMNS per group (one key value per grouping) over the scope. With
    `rollups=False` all is read from the snapshots: the reference the rollup path is
    tested against."""
    params: dict[str, Any] = {
        "ws": scope.workspace_id,
        "granularity": scope.granularity.value,
        "tz": scope.timezone,
    }
    filters = tuple(name for name in _FILTERS if getattr(scope, name) is not None)
    for name in filters:
        value = getattr(scope, name)
        params[name] = value.value if isinstance(value, enum.Enum) else value
    if scope.content_item_ids is not None:
        params["items"] = list(scope.content_item_ids)
    if scope.campaign_ids is not None:
        params["campaigns"] = list(scope.campaign_ids)
    raw_only = GroupBy.content_item in groups or scope.content_item_ids is not None or not rollups
    minus: list[windows.DateRange] = []
    minus_raw: list[windows.InstantRange] = []
    connection = await session.connection()
    if raw_only:
        months, whole_days, raw = None, [], [(scope.start, scope.end)]
    else:
        plan = windows.plan(
            scope.start,
            scope.end,
            scope.timezone,
            months=not {GroupBy.day, GroupBy.week} & set(groups),
        )
        months, minus = plan.months, list(plan.minus_days)
        whole_days, raw = list(plan.days), list(plan.raw)
        lighter = await _rest_is_lighter(connection, scope, plan.edges)
        for edge, rest in zip(plan.edges, lighter, strict=True):
            if rest:
                raw.remove(edge.part)
                minus_raw.append(edge.rest)
                _add_day(edge.day, whole_days, minus)
    for prefix, ranges in (
        ("m", [months] if months else []),
        ("d", whole_days),
        ("x", minus),
    ):
        for i, (low, high) in enumerate(ranges):
            name = prefix if prefix == "m" else f"{prefix}{i}"
            params[f"{name}_lo"], params[f"{name}_hi"] = low, high
    daily = scope.granularity == Granularity.day
    shape = _Shape(
        groups=groups,
        level=scope.level,
        daily=daily,
        filters=filters,
        items=scope.content_item_ids is not None,
        campaigns=scope.campaign_ids is not None,
        months=None if months is None else _bounds(*months),
        days=tuple(_bounds(*d) for d in whole_days),
        minus_days=tuple(_bounds(*d) for d in minus),
        raw=_raw_ranges(raw, _RAW, daily, scope.timezone, params),
        minus_raw=_raw_ranges(minus_raw, _MINUS_RAW, daily, scope.timezone, params),
    )
    compiled = _sums_sql(shape)
    result = await connection.exec_driver_sql(compiled.sql, compiled.arguments(params))
    # Counts come back as ints, money as Decimal: used as they are, in plain dicts (a
    # report looks a thousand rows' sums up by name 60 times each).
    width = len(groups)
    sums: dict[Key, Sums] = {}
    for row in result:
        found = dict(zip(_COUNTS, row[width], strict=True))
        found.update(zip(_AMOUNTS, row[width + 1], strict=True))
        sums[tuple(row[:width])] = found
    return sums


async def production_costs(
    session: AsyncSession, scope: Scope, *groups: GroupBy
) -> dict[Key, Decimal]:
    """Production cost per group: each item's once, booked in `[from, to)` at its
    publication or, never marked published, at its first report (`booking`), whatever
    the grouping, granularity or level."""
    c = ContentItem.__table__
    at = booked_at(c)
    day = days.local_day(at, scope.timezone)
    keys = [
        (c.c.id if group == GroupBy.content_item else _key(group, c, day)).label(f"k{i}")
        for i, group in enumerate(groups)
    ]
    conditions = [
        c.c.workspace_id == scope.workspace_id,
        at.is_not(None),
        c.c.production_cost.is_not(None),
    ]
    if scope.start is not None:
        conditions.append(at >= scope.start)
    if scope.end is not None:
        conditions.append(at < scope.end)
    for name in _FILTERS:
        value = getattr(scope, name)
        if value is not None:
            conditions.append(c.c[name] == value)
    if scope.content_item_ids is not None:
        conditions.append(c.c.id.in_(scope.content_item_ids))
    if scope.campaign_ids is not None:
        conditions.append(c.c.campaign_id.in_(scope.campaign_ids))
    rows = await session.execute(
        sa.select(*keys, sa.func.sum(c.c.production_cost)).where(*conditions).group_by(*keys)
    )
    return {tuple(row[:-1]): Decimal(row[-1]) for row in rows}
