"""ING-2's checks of a snapshot row on its own (pure: no clock, no database)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.bulk import Bulk, in_row_order
from shared.content.references import Targets
from shared.errors import FieldError
from shared.metrics.models import Granularity
from shared.metrics.schemas import SnapshotIn
from shared.metrics.validation import aligned, money_problems, row_problems

NOW = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
ITEM = str(uuid.UUID(int=1))


def snapshot(**fields: Any) -> SnapshotIn:
    """A row as the API parses it: from JSON, strictly."""
    row = {"content_item_id": ITEM, "period_start": "2026-11-02T00:00:00Z", "granularity": "day"}
    return SnapshotIn.model_validate_json(json.dumps(row | fields))


def problems(*rows: SnapshotIn) -> list[tuple[object, ...]]:
    return [(*e.loc[2:], e.type) for e in row_problems(Bulk.whole("snapshots", rows), NOW)]


@pytest.mark.parametrize(
    ("moment", "granularity", "expected"),
    [
        (datetime(2026, 11, 2, tzinfo=UTC), Granularity.day, True),
        (datetime(2026, 11, 2, 13, tzinfo=UTC), Granularity.hour, True),
        (datetime(2026, 11, 2, 13, tzinfo=UTC), Granularity.day, False),
        (datetime(2026, 11, 2, 13, 30, tzinfo=UTC), Granularity.hour, False),
        (datetime(2026, 11, 2, 13, 0, 1, tzinfo=UTC), Granularity.hour, False),
        (datetime(2026, 11, 2, 13, 0, 0, 1, tzinfo=UTC), Granularity.hour, False),
    ],
)
def test_a_bucket_starts_on_its_boundary(
    moment: datetime, granularity: Granularity, expected: bool
) -> None:
    assert aligned(moment, granularity) is expected


def test_a_good_row_has_no_problem() -> None:
    hour = snapshot(period_start="2026-11-21T15:00:00Z", granularity="hour")
    campaign = snapshot(campaign_id=ITEM, content_item_id=None)
    assert problems(snapshot(), hour, campaign) == []


def test_a_row_names_exactly_one_target() -> None:
    both = snapshot(campaign_id=ITEM)
    neither = snapshot(content_item_id=None)
    assert problems(both, neither) == [
        (0, "content_item_id", "one_target"),
        (1, "content_item_id", "one_target"),
    ]


def test_alignment_is_judged_in_utc() -> None:
    # Midnight in Paris is 23:00Z the day before: not a UTC day.
    paris_midnight = snapshot(period_start="2026-11-02T00:00:00+01:00")
    utc_midnight = snapshot(period_start="2026-11-02T01:00:00+01:00")
    assert problems(paris_midnight, utc_midnight) == [(0, "period_start", "unaligned_period")]


def test_a_bucket_is_between_2000_and_a_day_ahead() -> None:
    last_allowed = NOW.replace(minute=0) + timedelta(days=1)
    rows = [
        snapshot(period_start="1999-12-31T00:00:00Z"),
        snapshot(period_start="2000-01-01T00:00:00Z"),
        snapshot(period_start=last_allowed.isoformat(), granularity="hour"),
        snapshot(period_start=(last_allowed + timedelta(hours=1)).isoformat(), granularity="hour"),
    ]
    assert problems(*rows) == [
        (0, "period_start", "period_out_of_range"),
        (3, "period_start", "period_out_of_range"),
    ]


def test_an_unaligned_bucket_is_not_also_out_of_range() -> None:
    assert problems(snapshot(period_start="1999-12-31T00:30:00Z")) == [
        (0, "period_start", "unaligned_period")
    ]


def test_every_problem_of_every_row_is_reported() -> None:
    bad = snapshot(campaign_id=ITEM, period_start="2026-11-02T00:00:00-05:00")
    assert problems(snapshot(), bad, bad) == [
        (1, "content_item_id", "one_target"),
        (1, "period_start", "unaligned_period"),
        (2, "content_item_id", "one_target"),
        (2, "period_start", "unaligned_period"),
    ]


def test_problems_of_separate_checks_are_listed_by_row_then_field() -> None:
    def error(index: int, field: str) -> FieldError:
        return FieldError(("body", "snapshots", index, field), "msg", "type")

    errors = [error(10, "period_start"), error(2, "period_start"), error(10, "campaign_id")]
    assert [e.loc[2:] for e in in_row_order(errors)] == [
        (2, "period_start"),
        (10, "campaign_id"),
        (10, "period_start"),
    ]


def test_an_offset_bucket_far_ahead_counts_from_now_in_utc() -> None:
    ahead = datetime(2026, 11, 22, 15, tzinfo=UTC).astimezone(timezone(timedelta(hours=-8)))
    assert problems(snapshot(period_start=ahead.isoformat(), granularity="hour")) == []


def test_money_fits_the_currency_of_its_rows_target() -> None:
    campaign = str(uuid.UUID(int=2))
    named = Targets([], items={uuid.UUID(ITEM): "JPY"}, campaigns={uuid.UUID(campaign): "EUR"})
    rows = [
        snapshot(spend="1500.000"),
        snapshot(spend="1500.5", conversion_value="3.0"),
        snapshot(content_item_id=None, campaign_id=campaign, spend="120.0000"),
        snapshot(content_item_id=None, campaign_id=campaign, conversion_value="0.001"),
        snapshot(content_item_id=str(uuid.UUID(int=3)), spend="0.5"),  # unknown: no currency
    ]
    errors = money_problems(Bulk("snapshots", rows, [0, 2, 4, 6, 8]), named)
    assert [(*e.loc[2:], e.type) for e in errors] == [
        (2, "spend", "currency_precision"),
        (6, "conversion_value", "currency_precision"),
    ]
    assert "JPY has no minor unit" in errors[0].msg
    assert "EUR has 2 decimal place(s)" in errors[1].msg
