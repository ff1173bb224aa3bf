"""The day a snapshot reports under and the instant a read places it at
(`shared/kpis/days.py`), evaluated by PostgreSQL as the reads and rollups evaluate them;
migration 0013's copy of the rule agrees."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from services.api.state import Resources
from shared.db.base import str_enum
from shared.kpis import days
from shared.metrics.models import Granularity

PARIS, NEW_YORK = "Europe/Paris", "America/New_York"
ZONES = (
    PARIS,
    NEW_YORK,
    "UTC",
    "Asia/Kolkata",  # +05:30
    "America/St_Johns",  # -03:30, with DST
    "Australia/Lord_Howe",  # a DST of 30 minutes
    "Pacific/Kiritimati",  # +14
    "Etc/GMT+12",  # -12
    "America/Santiago",  # DST changes at midnight: some days start at 01:00
)
MIGRATION = (
    Path(__file__).parents[2] / "migrations/versions/2026-12-05_content_first_reported_0013.py"
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# start, granularity, zone: the local date reported and the position.
CASES = [
    # A day at midnight UTC reports its UTC date: east of UTC it starts on that local
    # date; west of it, the evening before, so it is placed at that date's local midnight.
    ("2026-11-02T00:00:00Z", "day", PARIS, "2026-11-02", "2026-11-02T00:00:00Z"),
    ("2026-11-02T00:00:00Z", "day", NEW_YORK, "2026-11-02", "2026-11-02T05:00:00Z"),
    ("2026-03-08T00:00:00Z", "day", NEW_YORK, "2026-03-08", "2026-03-08T05:00:00Z"),  # EST
    ("2026-03-09T00:00:00Z", "day", NEW_YORK, "2026-03-09", "2026-03-09T04:00:00Z"),  # EDT
    ("2026-11-02T00:00:00Z", "day", "America/St_Johns", "2026-11-02", "2026-11-02T03:30:00Z"),
    ("2026-11-02T00:00:00Z", "day", "Asia/Kolkata", "2026-11-02", "2026-11-02T00:00:00Z"),
    # A day at local midnight reports its local date, the short and long ones too.
    ("2026-03-29T00:00:00+01:00", "day", PARIS, "2026-03-29", "2026-03-28T23:00:00Z"),
    ("2026-10-25T00:00:00+02:00", "day", PARIS, "2026-10-25", "2026-10-24T22:00:00Z"),
    ("2026-03-08T00:00:00-05:00", "day", NEW_YORK, "2026-03-08", "2026-03-08T05:00:00Z"),
    ("2026-11-01T00:00:00-04:00", "day", NEW_YORK, "2026-11-01", "2026-11-01T04:00:00Z"),
    # An hour reports its local date, at its start.
    ("2026-11-02T00:00:00Z", "hour", NEW_YORK, "2026-11-01", "2026-11-02T00:00:00Z"),
    ("2026-11-01T23:00:00Z", "hour", PARIS, "2026-11-02", "2026-11-01T23:00:00Z"),
    # A day at neither midnight (stored before the workspace changed zones) reports the
    # UTC date of its middle.
    ("2026-11-01T23:00:00Z", "day", NEW_YORK, "2026-11-02", "2026-11-02T05:00:00Z"),  # Paris
    ("2026-11-01T15:00:00Z", "day", PARIS, "2026-11-02", "2026-11-01T23:00:00Z"),  # Tokyo
    ("2026-11-02T05:00:00Z", "day", PARIS, "2026-11-02", "2026-11-02T05:00:00Z"),  # New York
]


def _granularity(name: str) -> sa.ColumnElement[object]:
    return sa.literal(Granularity(name), str_enum(Granularity))


async def _evaluate(
    resources: Resources, start: str, granularity: str, zone: str
) -> tuple[date, datetime]:
    begin = sa.literal(at(start), sa.DateTime(timezone=True))
    statement = sa.select(
        days.reporting_day(begin, _granularity(granularity), zone),
        days.position(begin, _granularity(granularity), zone),
    )
    async with resources.engine.connect() as conn:
        day, position = (await conn.execute(statement)).one()
    return day, position


@pytest.mark.parametrize(("start", "granularity", "zone", "day", "position"), CASES)
async def test_the_day_a_snapshot_reports_and_where_it_is_placed(
    resources: Resources, start: str, granularity: str, zone: str, day: str, position: str
) -> None:
    assert await _evaluate(resources, start, granularity, zone) == (
        date.fromisoformat(day),
        at(position),
    )


#: Every day of 2026 at local midnight and at midnight UTC, and every hour of the DST
#: weeks (Europe, North America, Chile) as a day starting at neither, in every zone of
#: `ZONES`.
_SWEEP = """
    WITH zones(zone) AS (SELECT unnest(CAST(:zones AS text[]))),
    dates(d) AS (SELECT CAST(generate_series(date '2026-01-01', date '2026-12-31',
                                             interval '1 day') AS date)),
    hours(h) AS (
        SELECT generate_series(timestamptz '2026-03-20T00:00:00Z',
                               timestamptz '2026-04-10T00:00:00Z', interval '1 hour')
        UNION ALL
        SELECT generate_series(timestamptz '2026-09-01T00:00:00Z',
                               timestamptz '2026-09-10T00:00:00Z', interval '1 hour')
        UNION ALL
        SELECT generate_series(timestamptz '2026-10-20T00:00:00Z',
                               timestamptz '2026-11-10T00:00:00Z', interval '1 hour')
    )
    SELECT 'local' AS kind, zone, timezone(zone, d::timestamp) AS start, d AS expected
    FROM zones, dates
    UNION ALL
    SELECT 'utc', zone, timezone('UTC', d::timestamp), d FROM zones, dates
    UNION ALL
    SELECT 'any', zone, h, NULL FROM zones, hours
"""


def _sweep() -> sa.Subquery:
    return (
        sa.text(_SWEEP)
        .columns(
            sa.column("kind", sa.Text),
            sa.column("zone", sa.Text),
            sa.column("start", sa.DateTime(timezone=True)),
            sa.column("expected", sa.Date),
        )
        .subquery("sweep")
    )


async def test_every_local_and_utc_midnight_reports_its_own_date(resources: Resources) -> None:
    sweep = _sweep()
    place = days.placement(sweep.c.start, _granularity("day"), sweep.c.zone)
    statement = (
        sa.select(
            sweep.c.kind,
            sa.func.count(),
            # the day each midnight reports
            sa.func.count().filter(sweep.c.expected.is_not(None), place.day != sweep.c.expected),
            # the position is in the local day reported
            sa.func.count().filter(days.local_day(place.at, sweep.c.zone) != place.day),
            # a day is placed less than 26 hours from its start
            sa.func.count().filter(
                sa.or_(
                    place.at - sweep.c.start >= timedelta(hours=26),
                    sweep.c.start - place.at >= timedelta(hours=26),
                )
            ),
        )
        .group_by(sweep.c.kind)
        .order_by(sweep.c.kind)
    )
    async with resources.engine.connect() as conn:
        rows = (await conn.execute(statement, {"zones": list(ZONES)})).all()
    assert [tuple(r) for r in rows] == [
        ("any", len(ZONES) * (2 * (21 * 24 + 1) + 9 * 24 + 1), 0, 0, 0),
        ("local", len(ZONES) * 365, 0, 0, 0),
        ("utc", len(ZONES) * 365, 0, 0, 0),
    ]


def _windows() -> list[tuple[datetime | None, datetime | None]]:
    """Partial days, whole days and long reads around the DST nights, open ends too."""
    windows: list[tuple[datetime | None, datetime | None]] = [(None, None)]
    nights = (3, 28), (4, 4), (9, 5), (10, 24)  # Europe and Chile in spring, Europe in autumn
    for night in (datetime(2026, month, day, tzinfo=UTC) for month, day in nights):
        for hour in range(0, 72, 5):
            low = night + timedelta(hours=hour)
            for length in (timedelta(hours=5), timedelta(hours=17), timedelta(days=1)):
                windows.append((low, low + length))
            windows += [(low, low + timedelta(days=9)), (low, None), (None, low)]
    return windows


def _within(
    start: sa.ColumnElement[Any], low: datetime | None, high: datetime | None, opened: bool = False
) -> sa.ColumnElement[bool]:
    bounds: list[sa.ColumnElement[bool]] = [sa.true()]
    if low is not None:
        bounds.append(start > low if opened else start >= low)
    if high is not None:
        bounds.append(start < high)
    return sa.and_(*bounds)


async def test_the_days_a_range_takes_by_position_are_told_by_their_starts(
    resources: Resources,
) -> None:
    """`days.moves`: the starts a raw read tests select exactly the days whose position
    is in its range, whatever the zone, around the DST nights, and at the odd midnights
    of the sweep's zones."""
    sweep = _sweep()
    start = sweep.c.start
    place = days.placement(start, _granularity("day"), sweep.c.zone)
    wrong = 0
    async with resources.engine.connect() as conn:
        for zone in ZONES:
            for low, high in _windows():
                moved = days.moves(low, high, zone)
                by_start = sa.or_(
                    sa.and_(
                        _within(start, low, high),
                        *(sa.not_(_within(start, i.low, i.high, i.open)) for i in moved.out_of),
                    ),
                    *(_within(start, i.low, i.high, i.open) for i in moved.into),
                )
                by_position = _within(place.at, low, high)
                wrong += (
                    await conn.scalar(
                        sa.select(sa.func.count()).where(
                            sweep.c.zone == zone, by_start != by_position
                        ),
                        {"zones": list(ZONES)},
                    )
                    or 0
                )
    assert wrong == 0


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_migration_backfills_with_the_same_positions(resources: Resources) -> None:
    backfilled = _migration().POSITION
    starts = [*sorted({start for start, *_ in CASES}), "2026-11-01T12:00:00Z"]
    statement = sa.text(
        f"""
        SELECT {backfilled} FROM
        (SELECT CAST(:start AS timestamptz) AS period_start, CAST(:g AS text) AS granularity) m,
        (SELECT CAST(:zone AS text) AS timezone) w
        """
    )
    for zone in ZONES:
        for granularity in ("day", "hour"):
            for start in starts:
                _, expected = await _evaluate(resources, start, granularity, zone)
                async with resources.engine.connect() as conn:
                    got = await conn.scalar(
                        statement, {"start": at(start), "g": granularity, "zone": zone}
                    )
                assert got == expected, (start, granularity, zone)
