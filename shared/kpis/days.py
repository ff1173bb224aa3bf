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

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.metrics.models import Granularity

Zone = str | sa.ColumnElement[str]

#: How far a position can be from its start: a shifted day is placed at most a day after
#: it starts (west of UTC), and less than 26 hours before it (a day starting at neither
#: midnight, in a zone up to 14 hours east).
SHIFT_LATER = timedelta(days=1)
SHIFT_EARLIER = timedelta(days=2)
_NOON = sa.literal_column("interval '12 hours'", sa.Interval)


def starts_near(
    low: datetime | None, high: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The starts of the snapshots whose position may be in `[low, high)`: a read bounds
    `period_start` by these too, so the index narrows the rows whose position it tests."""
    return (
        None if low is None else low - SHIFT_LATER,
        None if high is None else high + SHIFT_EARLIER,
    )


def local_day(moment: sa.ColumnElement[Any], timezone: Zone) -> sa.ColumnElement[date]:
    """The date of an instant in the workspace's time zone."""
    return sa.cast(sa.func.timezone(timezone, moment), sa.Date)


def position(
    start: sa.ColumnElement[Any], granularity: sa.ColumnElement[Any], timezone: Zone
) -> sa.ColumnElement[datetime]:
    """The instant a snapshot starting at `start` counts at (module docstring)."""
    local = sa.func.timezone(timezone, start, type_=sa.DateTime())
    reported = sa.cast(sa.func.timezone("UTC", start, type_=sa.DateTime()) + _NOON, sa.Date)
    shifted = sa.and_(
        granularity == Granularity.day,
        local != sa.func.date_trunc("day", local),
        reported != sa.cast(local, sa.Date),
    )
    return sa.case(
        (
            shifted,
            sa.func.timezone(
                timezone, sa.cast(reported, sa.DateTime()), type_=sa.DateTime(timezone=True)
            ),
        ),
        else_=start,
    )


def reporting_day(
    start: sa.ColumnElement[Any], granularity: sa.ColumnElement[Any], timezone: Zone
) -> sa.ColumnElement[date]:
    """The local date a snapshot reports under: its position's."""
    return local_day(position(start, granularity, timezone), timezone)
