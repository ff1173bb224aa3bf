"""Validated snapshot rows as the records COPYed into `ingest_rows` (ING-1, ING-3).

Runs 10,000 times per request, so it reads attributes in bulk and nothing else."""

from __future__ import annotations

import operator
import uuid
from typing import Any

from shared.bulk import stored_amount
from shared.metrics.models import MEASURES, IngestRow
from shared.metrics.schemas import SnapshotIn

ENGAGEMENT_PARTS = ("likes", "comments", "shares", "saves")
#: The COPY's target and columns; `copy_record` gives its values in this order.
COPY_TABLE = IngestRow.__tablename__
COPY_COLUMNS = (
    "workspace_id",
    "batch_id",
    "seq",
    "content_item_id",
    "campaign_id",
    "granularity",
    "period_start",
    *MEASURES,
    "source",
    "unreported",
)

_MEASURES_OF = operator.attrgetter(*MEASURES)
_ENGAGEMENTS = MEASURES.index("engagements")
_PARTS = tuple(MEASURES.index(name) for name in ENGAGEMENT_PARTS)
_SPEND, _VALUE = MEASURES.index("spend"), MEASURES.index("conversion_value")


def engagements(row: SnapshotIn) -> int | None:
    """ING-1: reported as is, else the sum of its four parts when all four are reported."""
    return _engagements(_MEASURES_OF(row))


def _engagements(values: tuple[Any, ...]) -> int | None:
    """`engagements` over a row's MEASURES values."""
    if values[_ENGAGEMENTS] is not None:
        return values[_ENGAGEMENTS]  # type: ignore[no-any-return]
    parts = [values[index] for index in _PARTS]
    return None if None in parts else sum(parts)


def copy_record(
    workspace_id: uuid.UUID, batch_id: uuid.UUID, seq: int, row: SnapshotIn, currency: str | None
) -> tuple[Any, ...]:
    """One COPY record: `seq` is the row's index in the batch, so the last row of a key
    wins at the merge (ING-3); money with the places of `currency`, its target's (None
    only for a row that names no known target, which is never accepted with money)."""
    values = _MEASURES_OF(row)
    measures = list(values)
    measures[_ENGAGEMENTS] = _engagements(values)
    if currency is not None:
        measures[_SPEND] = stored_amount(values[_SPEND], currency)
        measures[_VALUE] = stored_amount(values[_VALUE], currency)
    return (
        workspace_id,
        batch_id,
        seq,
        row.content_item_id,
        row.campaign_id,
        row.granularity.value,
        row.period_start,
        *measures,
        row.source,
        None if row.unreported is None else row.unreported.model_dump_json(exclude_none=True),
    )
