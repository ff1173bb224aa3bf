"""What is wrong with snapshot rows on their own (ING-2): pure checks over rows that
pydantic has already validated field by field, so a batch is refused whole, with every
problem at once, before anything is stored."""

from __future__ import annotations

import operator
from datetime import UTC, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from shared.bulk import Bulk, amount_misfits, may_misfit
from shared.content.references import Targets
from shared.errors import FieldError
from shared.metrics.models import AMOUNTS, Granularity
from shared.metrics.schemas import SnapshotIn

#: Platforms report the past; a bucket this far ahead is a client bug, not data.
FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_AMOUNTS = operator.attrgetter(*AMOUNTS)


def aligned(moment: datetime, granularity: Granularity, timezone: str = "UTC") -> bool:
    """`period_start` on a bucket boundary: an hour on a UTC hour; a day at midnight UTC
    or at midnight in the workspace's time zone, as ad platforms start an ad account's
    days (`shared/kpis/days.py` says which day each reports)."""
    utc = moment.astimezone(UTC)
    if granularity == Granularity.hour:
        return utc.minute == utc.second == utc.microsecond == 0
    return time() in (utc.time(), moment.astimezone(ZoneInfo(timezone)).time())


#: Whole seconds in a UTC hour and day: an instant on such a boundary is a multiple of them
#: since the epoch (POSIX time has no leap seconds).
_HOUR, _DAY = 3600, 86400


def row_problems(body: Bulk[SnapshotIn], now: datetime, timezone: str = "UTC") -> list[FieldError]:
    """Every problem a row has on its own, with its index and field (ING-2). A row's
    instant is read once, as seconds since the epoch: on a UTC hour or day boundary it is
    aligned with no time zone conversion; only a day off UTC midnight goes to `aligned`."""
    errors: list[FieldError] = []
    earliest, latest = EARLIEST.timestamp(), (now + FUTURE_SLACK).timestamp()
    hour = Granularity.hour
    for index, row in body.indexed():
        if (row.content_item_id is None) is (row.campaign_id is None):
            errors.append(
                FieldError(
                    ("body", body.collection, index, "content_item_id"),
                    "give exactly one of content_item_id or campaign_id",
                    "one_target",
                )
            )
        at = row.period_start.timestamp()
        if row.granularity is hour:
            on_boundary = at % _HOUR == 0
        else:
            on_boundary = at % _DAY == 0 or aligned(row.period_start, row.granularity, timezone)
        if not on_boundary:
            errors.append(
                FieldError(
                    ("body", body.collection, index, "period_start"),
                    f"not the start of a {row.granularity} (in UTC; a day also in {timezone})",
                    "unaligned_period",
                )
            )
        elif not earliest <= at <= latest:
            errors.append(
                FieldError(
                    ("body", body.collection, index, "period_start"),
                    "outside 2000-01-01 .. tomorrow: platforms report past buckets",
                    "period_out_of_range",
                )
            )
        if row.unreported is not None:
            errors += _explained_values(body, index, row)
    return errors


def _explained_values(body: Bulk[SnapshotIn], index: int, row: SnapshotIn) -> list[FieldError]:
    """A counter is either reported or null with a reason, never both."""
    assert row.unreported is not None
    return [
        FieldError(
            ("body", body.collection, index, "unreported", name),
            f"{name} has a value: a reason is for a null counter",
            "reason_for_reported",
        )
        for name, reason in row.unreported
        if reason is not None and getattr(row, name) is not None
    ]


def money_problems(body: Bulk[SnapshotIn], named: Targets) -> list[FieldError]:
    """A `currency_precision` error for each amount finer than its row's currency (its
    target's); a row that names no known target has no currency, and is a bad row already.
    Rows are looked at one by one only when some amount may misfit its currency."""
    amounts = chain.from_iterable(map(_AMOUNTS, body.rows))
    if not may_misfit(amounts, named.currencies()):
        return []
    errors: list[FieldError] = []
    for index, row in body.indexed():
        currency = named.currency(row)
        if currency is not None:
            sent = zip(AMOUNTS, _AMOUNTS(row), strict=True)
            errors += amount_misfits(
                ((body.loc(index, field), text) for field, text in sent), currency
            )
    return errors
