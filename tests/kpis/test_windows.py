"""Which parts of a KPI window come from monthly rollups, daily rollups (added or taken
back out) and raw snapshots, in the workspace's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shared.kpis.windows import Plan, plan

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=PARIS)


def test_local_midnights_make_whole_months_and_no_raw_read() -> None:
    assert plan(paris(2025, 11, 1), paris(2026, 11, 1), "Europe/Paris") == Plan(
        months=(date(2025, 11, 1), date(2026, 11, 1))
    )


def test_utc_midnights_in_paris_leave_partial_days_at_both_edges() -> None:
    # 00:00Z is 01:00 in Paris: 1 November is partly before the window, so it is read
    # raw from 01:00, and taken back out of a November read whole.
    got = plan(datetime(2025, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "Europe/Paris")
    assert got.months == (date(2025, 11, 1), date(2026, 11, 1))
    assert got.minus_days == [(date(2025, 11, 1), date(2025, 11, 2))]
    assert got.days == []
    assert got.raw == [
        (datetime(2025, 11, 1, tzinfo=UTC), paris(2025, 11, 2)),
        (paris(2026, 11, 1), datetime(2026, 11, 1, tzinfo=UTC)),
    ]


def test_an_edge_month_mostly_outside_is_read_by_day() -> None:
    got = plan(paris(2026, 1, 25), paris(2026, 4, 3), "Europe/Paris")
    assert got.months == (date(2026, 2, 1), date(2026, 4, 1))
    assert got.days == [(date(2026, 1, 25), date(2026, 2, 1)), (date(2026, 4, 1), date(2026, 4, 3))]
    assert got.minus_days == []
    assert got.raw == []


def test_inside_one_month_days_only_and_without_months_for_daily_groups() -> None:
    assert plan(paris(2026, 3, 3), paris(2026, 3, 20), "Europe/Paris") == Plan(
        days=[(date(2026, 3, 3), date(2026, 3, 20))]
    )
    got = plan(paris(2026, 1, 1), paris(2026, 4, 1), "Europe/Paris", months=False)
    assert got == Plan(days=[(date(2026, 1, 1), date(2026, 4, 1))])


def test_open_ends_and_a_window_inside_one_day() -> None:
    assert plan(None, None, "UTC") == Plan(months=(None, None))
    assert plan(None, paris(2026, 3, 10), "Europe/Paris") == Plan(
        months=(None, date(2026, 3, 1)), days=[(date(2026, 3, 1), date(2026, 3, 10))]
    )
    inside = (paris(2026, 3, 10, 8), paris(2026, 3, 10, 20))
    assert plan(*inside, "Europe/Paris") == Plan(raw=[inside])


def test_the_night_clocks_go_forward_has_23_hours() -> None:
    # 29 March 2026 in Paris: 00:00 CET is 23:00Z the day before; 30 March 00:00 CEST is
    # 22:00Z. The day is whole between those two instants.
    got = plan(
        datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC), "Europe/Paris"
    )
    assert got == Plan(days=[(date(2026, 3, 29), date(2026, 3, 30))])
