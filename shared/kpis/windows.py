"""Which parts of a `[from, to)` read come from monthly rollups, daily rollups, and raw
snapshots (the partial days at its edges). Days and months are the workspace's local
ones, as in `metric_rollups`, and a snapshot is in a range by its position
(`shared/kpis/days.py`): a whole local day holds exactly the snapshots reporting it.
`None` is an open end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DateRange = tuple[date | None, date | None]
InstantRange = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Edge:
    """A partial day at an end of the window (`part`, one of `Plan.raw`): read from its
    snapshots, or as its whole `day` from the daily rollups minus the snapshots of the
    `rest` of that day, whichever holds fewer snapshots to add up."""

    part: InstantRange
    day: date
    rest: InstantRange


@dataclass(frozen=True)
class Plan:
    months: DateRange | None = None
    days: list[DateRange] = field(default_factory=list)
    #: Days taken back out of a month that is mostly inside the window.
    minus_days: list[DateRange] = field(default_factory=list)
    raw: list[InstantRange] = field(default_factory=list)
    #: The `raw` ranges that are partial days beside whole ones (none in a raw-only plan).
    edges: list[Edge] = field(default_factory=list)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day."""
    return datetime.combine(day, time(), tzinfo=zone)


def _first_whole_day(start: datetime, zone: ZoneInfo) -> date:
    local = start.astimezone(zone)
    day = local.date()
    return day if midnight(day, zone) >= start else day + timedelta(days=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_on_or_after(day: date) -> date:
    return day if day.day == 1 else _next_month(day)


def plan(
    start: datetime | None, end: datetime | None, timezone: str, *, months: bool = True
) -> Plan:
    """Split `[start, end)` into whole local months (when `months`), the whole local days
    around them, and the partial days at the edges."""
    zone = ZoneInfo(timezone)
    first = None if start is None else _first_whole_day(start, zone)
    last = None if end is None else end.astimezone(zone).date()  # days before it are whole
    if first is not None and last is not None and first >= last:
        return Plan(raw=[(start, end)])
    raw: list[InstantRange] = []
    edges: list[Edge] = []
    if start is not None and first is not None and midnight(first, zone) > start:
        raw.append((start, midnight(first, zone)))
        before = first - timedelta(days=1)
        edges.append(Edge(raw[-1], before, (midnight(before, zone), start)))
    if end is not None and last is not None and midnight(last, zone) < end:
        raw.append((midnight(last, zone), end))
        edges.append(Edge(raw[-1], last, (end, midnight(last + timedelta(days=1), zone))))
    month_from = None if first is None else _month_on_or_after(first)
    month_to = None if last is None else last.replace(day=1)
    if months and (month_from is None or month_to is None or month_from < month_to):
        days: list[DateRange] = []
        minus: list[DateRange] = []
        # An edge month mostly inside the window is read whole, minus its days outside:
        # at most half a month of daily rows per edge instead of up to a whole one.
        if first is not None and month_from is not None and first != month_from:
            whole = first.replace(day=1)
            if (month_from - first).days * 2 > (month_from - whole).days:
                minus.append((whole, first))
                month_from = whole
            else:
                days.append((first, month_from))
        if last is not None and month_to is not None and last != month_to:
            after = _next_month(month_to)
            if (last - month_to).days * 2 > (after - month_to).days:
                minus.append((last, after))
                month_to = after
            else:
                days.append((month_to, last))
        return Plan(
            months=(month_from, month_to), days=days, minus_days=minus, raw=raw, edges=edges
        )
    return Plan(days=[(first, last)], raw=raw, edges=edges)
