"""The day a snapshot reports under and the instant a read places it at
(`shared/kpis/days.py`), evaluated by PostgreSQL as the reads and rollups evaluate them;
migration 0013's copy of the rule agrees."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

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
#: weeks as a day starting at neither, in every zone of `ZONES`.
_SWEEP = """
    WITH zones(zone) AS (SELECT unnest(CAST(:zones AS text[]))),
    dates(d) AS (SELECT CAST(generate_series(date '2026-01-01', date '2026-12-31',
                                             interval '1 day') AS date)),
    hours(h) AS (
        SELECT generate_series(timestamptz '2026-03-20T00:00:00Z',
                               timestamptz '2026-04-10T00:00:00Z', interval '1 hour')
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


async def test_every_local_and_utc_midnight_reports_its_own_date(resources: Resources) -> None:
    sweep = (
        sa.text(_SWEEP)
        .columns(
            sa.column("kind", sa.Text),
            sa.column("zone", sa.Text),
            sa.column("start", sa.DateTime(timezone=True)),
            sa.column("expected", sa.Date),
        )
        .subquery("sweep")
    )
    day = _granularity("day")
    place = days.position(sweep.c.start, day, sweep.c.zone)
    reported = days.reporting_day(sweep.c.start, day, sweep.c.zone)
    statement = (
        sa.select(
            sweep.c.kind,
            sa.func.count(),
            # the day each midnight reports
            sa.func.count().filter(sweep.c.expected.is_not(None), reported != sweep.c.expected),
            # a read's bounds on `period_start` around a position hold its start
            sa.func.count().filter(
                sa.or_(
                    sweep.c.start < place - days.SHIFT_LATER,
                    sweep.c.start >= place + days.SHIFT_EARLIER,
                )
            ),
            # the position is in the local day reported
            sa.func.count().filter(days.local_day(place, sweep.c.zone) != reported),
        )
        .group_by(sweep.c.kind)
        .order_by(sweep.c.kind)
    )
    async with resources.engine.connect() as conn:
        rows = (await conn.execute(statement, {"zones": list(ZONES)})).all()
    assert [tuple(r) for r in rows] == [
        ("any", len(ZONES) * 2 * (21 * 24 + 1), 0, 0, 0),
        ("local", len(ZONES) * 365, 0, 0, 0),
        ("utc", len(ZONES) * 365, 0, 0, 0),
    ]


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
