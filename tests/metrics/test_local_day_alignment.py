"""ING-1/ING-2: a day starts at midnight UTC or at midnight in the workspace's time zone
(the way ad platforms report an ad account's days), DST nights included; an hour starts on
a UTC hour, as before."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.bulk import Bulk
from shared.metrics.models import Granularity
from shared.metrics.schemas import SnapshotIn
from shared.metrics.validation import aligned, row_problems

PARIS, NEW_YORK = "Europe/Paris", "America/New_York"
NOW = datetime(2026, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "zone", "expected"),
    [
        ("2026-11-24T00:00:00+01:00", PARIS, True),
        ("2026-11-24T00:00:00Z", PARIS, True),
        ("2026-11-24T00:00:00-05:00", PARIS, False),
        ("2026-03-29T00:00:00+01:00", PARIS, True),  # the 23-hour day
        ("2026-03-30T00:00:00+02:00", PARIS, True),  # the day after it
        ("2026-03-29T00:00:00+02:00", PARIS, False),  # 23:00 on the 28th in Paris
        ("2026-10-25T00:00:00+02:00", PARIS, True),  # the 25-hour day
        ("2026-10-26T00:00:00+01:00", PARIS, True),
        ("2026-10-26T00:00:00+02:00", PARIS, False),  # 23:00 on the 25th in Paris
        ("2026-03-08T00:00:00-05:00", NEW_YORK, True),
        ("2026-03-09T00:00:00-04:00", NEW_YORK, True),
        ("2026-11-01T00:00:00-04:00", NEW_YORK, True),
        ("2026-11-02T00:00:00-05:00", NEW_YORK, True),
        ("2026-11-02T00:00:00-04:00", NEW_YORK, False),  # 23:00 on the 1st in New York
        ("2026-11-02T00:00:00Z", NEW_YORK, True),
        ("2026-11-02T00:00:00+01:00", NEW_YORK, False),  # Paris's midnight, not New York's
        ("2026-11-02T00:00:00.000001Z", NEW_YORK, False),
    ],
)
def test_a_day_starts_at_midnight_utc_or_in_the_workspace_s_zone(
    start: str, zone: str, expected: bool
) -> None:
    assert aligned(datetime.fromisoformat(start), Granularity.day, zone) is expected


def test_an_hour_still_starts_on_a_utc_hour_whatever_the_zone() -> None:
    kolkata_hour = datetime.fromisoformat("2026-11-02T06:00:00+05:30")  # 00:30Z
    assert not aligned(kolkata_hour, Granularity.hour, "Asia/Kolkata")
    assert aligned(datetime.fromisoformat("2026-11-02T06:30:00+05:30"), Granularity.hour, PARIS)


def test_rows_are_checked_in_the_workspace_s_zone() -> None:
    def snapshot(start: str) -> SnapshotIn:
        body = {
            "content_item_id": str(uuid.UUID(int=1)),
            "period_start": start,
            "granularity": "day",
        }
        return SnapshotIn.model_validate_json(json.dumps(body))

    rows = Bulk.whole(
        "snapshots",
        [snapshot("2026-11-24T00:00:00+01:00"), snapshot("2026-11-24T00:00:00-05:00")],
    )
    assert [e.loc[2] for e in row_problems(rows, NOW, PARIS)] == [1]
    assert [e.loc[2] for e in row_problems(rows, NOW, NEW_YORK)] == [0]
    [problem] = row_problems(rows, NOW, PARIS)
    assert (problem.type, problem.loc[3]) == ("unaligned_period", "period_start")
