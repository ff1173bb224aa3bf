"""What is wrong with snapshot rows on their own (ING-2): pure checks over rows that
pydantic has already validated field by field, so a batch is refused whole, with every
problem at once, before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shared.errors import FieldError
from shared.metrics.models import Granularity
from shared.metrics.schemas import SnapshotIn

#: Platforms report the past; a bucket this far ahead is a client bug, not data.
FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def aligned(moment: datetime, granularity: Granularity) -> bool:
    """`period_start` (in UTC) on a bucket boundary."""
    on_hour = moment.minute == moment.second == moment.microsecond == 0
    return on_hour and (granularity == Granularity.hour or moment.hour == 0)


def row_problems(rows: Sequence[SnapshotIn], now: datetime) -> list[FieldError]:
    """Every problem a row has on its own, with its index and field (ING-2)."""
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        loc = ("body", "snapshots", index)
        if (row.content_item_id is None) == (row.campaign_id is None):
            errors.append(
                FieldError(
                    (*loc, "content_item_id"),
                    "give exactly one of content_item_id or campaign_id",
                    "one_target",
                )
            )
        period_start = row.period_start.astimezone(UTC)
        if not aligned(period_start, row.granularity):
            errors.append(
                FieldError(
                    (*loc, "period_start"),
                    f"not the start of a UTC {row.granularity}",
                    "unaligned_period",
                )
            )
        elif not EARLIEST <= period_start <= now + FUTURE_SLACK:
            errors.append(
                FieldError(
                    (*loc, "period_start"),
                    "outside 2000-01-01 .. tomorrow: platforms report past buckets",
                    "period_out_of_range",
                )
            )
    return errors


def in_row_order(errors: list[FieldError]) -> list[FieldError]:
    """Problems found by separate checks, listed by row index, then field name."""
    return sorted(errors, key=lambda e: (int(e.loc[2]), str(e.loc[-1])))
