"""Where a KPI read places a snapshot in time: its *position*, the instant that `from`,
`to` and the local days, weeks and months of `group_by` and of the rollups go by.

Platforms start a daily bucket at midnight UTC or, ad platforms, at midnight in the ad
account's zone (ING-1 takes both when that zone is the workspace's). `period_start` is
stored as sent; a day reports under the local date it starts on when it starts at local
midnight, else under the UTC date of its middle (start + 12 h: for a day starting at
midnight UTC, its own UTC date). A day whose start falls on another local date (a UTC day
seen from west of Greenwich starts the evening before) is placed at the local midnight of
the date it reports; every other snapshot, hours included, is placed at its start. A
snapshot's local day is always its position's, so raw reads and rollups agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from shared.metrics.models import Granularity

Zone = str | sa.ColumnElement[str]
_HALF_DAY = timedelta(hours=12)
_NOON = sa.literal_column("interval '12 hours'", sa.Interval)
#: A day placed elsewhere than at its start starts within 12 hours of the UTC midnight
#: of the date it reports, and is placed at that date's local midnight, at most 14 hours
#: from it: only the dates whose UTC midnight is this close to an end of a range have
#: days placed across it.
_REACH = timedelta(days=2)


@dataclass(frozen=True)
class Interval:
    """Starts from `low` (excluded if `open`) to `high` (excluded)."""

    low: datetime
    high: datetime
    open: bool = False


@dataclass(frozen=True)
class Moves:
    """The day snapshots that a range's ends cut differently by position than by start:
    the starts of those placed inside it, and of those starting in it placed outside."""

    into: tuple[Interval, ...]
    out_of: tuple[Interval, ...]


def moves(low: datetime | None, high: datetime | None, timezone: str) -> Moves:
    """Which daily snapshots have their position in `[low, high)`: those starting in it,
    but for `out_of`, and those starting in `into`. A read tests these on `period_start`
    alone (the index narrows them, and no time zone is converted row by row).

    The days placed elsewhere than at their start are those that do not start at local
    midnight, and start within 12 hours of a date's UTC midnight but on another local
    date: they are placed at that date's local midnight."""
    zone = ZoneInfo(timezone)
    dates: set[date] = set()
    for end in (low, high):
        if end is not None:
            first = (end - _REACH).astimezone(UTC).date()
            dates.update(first + timedelta(days=n) for n in range(2 * _REACH.days + 1))
    into: list[Interval] = []
    out_of: list[Interval] = []
    for day in sorted(dates):
        utc = datetime.combine(day, time(), tzinfo=UTC)
        midnight, next_midnight = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        inside = (low is None or low <= midnight) and (high is None or midnight < high)
        for first, last in ((utc - _HALF_DAY, midnight), (next_midnight, utc + _HALF_DAY)):
            if first < last:
                # A day starting at local midnight is placed at its start.
                opened = first.astimezone(zone).time() == time()
                (into if inside else out_of).append(Interval(first, last, opened))
    return Moves(tuple(into), tuple(out_of))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date (PostgreSQL reads a midnight that a DST change
    skips at the offset before it, as Python does)."""
    return datetime.combine(day, time(), tzinfo=zone)


def local_day(moment: sa.ColumnElement[Any], timezone: Zone) -> sa.ColumnElement[date]:
    """The date of an instant in the workspace's time zone."""
    return sa.cast(wall_clock(moment, timezone), sa.Date)


def wall_clock(moment: sa.ColumnElement[Any], timezone: Zone) -> sa.ColumnElement[datetime]:
    """An instant as the workspace's clocks read it (a timestamp without zone)."""
    return sa.func.timezone(timezone, moment, type_=sa.DateTime())


@dataclass(frozen=True)
class Placement:
    """Where a snapshot falls: the local date it reports under, and its position."""

    day: sa.ColumnElement[date]
    at: sa.ColumnElement[datetime]


def placement(
    start: sa.ColumnElement[Any], granularity: sa.ColumnElement[Any], timezone: Zone
) -> Placement:
    """The module docstring's rule, in SQL. Written for few time zone conversions a row:
    a merge and a rollup rebuild evaluate it on every row they add up."""
    local = wall_clock(start, timezone)
    reported = sa.cast(sa.func.timezone("UTC", start, type_=sa.DateTime()) + _NOON, sa.Date)
    local_date = sa.cast(local, sa.Date)
    # A day that does not start at local midnight reports the UTC date of its middle
    # (its local date too, when they agree).
    by_utc = sa.and_(granularity == Granularity.day, sa.cast(local, sa.Time) != time())
    at = sa.func.timezone(
        timezone, sa.cast(reported, sa.DateTime()), type_=sa.DateTime(timezone=True)
    )
    return Placement(
        day=sa.case((by_utc, reported), else_=local_date),
        at=sa.case((sa.and_(by_utc, reported != local_date), at), else_=start),
    )


def position(
    start: sa.ColumnElement[Any], granularity: sa.ColumnElement[Any], timezone: Zone
) -> sa.ColumnElement[datetime]:
    """The instant a snapshot starting at `start` counts at."""
    return placement(start, granularity, timezone).at


def reporting_day(
    start: sa.ColumnElement[Any], granularity: sa.ColumnElement[Any], timezone: Zone
) -> sa.ColumnElement[date]:
    """The local date a snapshot reports under: its position's."""
    return placement(start, granularity, timezone).day
