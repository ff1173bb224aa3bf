"""What a validated snapshot row becomes in `ingest_rows` (pure: no database)."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from shared.metrics.models import IngestRow
from shared.metrics.records import COPY_COLUMNS, copy_record, engagements
from shared.metrics.schemas import SnapshotIn

ITEM = str(uuid.UUID(int=1))
PARTS = {"likes": 1, "comments": 2, "shares": 3, "saves": 4}


def snapshot(**fields: Any) -> SnapshotIn:
    """A row as the API parses it: from JSON, strictly."""
    row = {"content_item_id": ITEM, "period_start": "2026-11-02T00:00:00Z", "granularity": "day"}
    return SnapshotIn.model_validate_json(json.dumps(row | fields))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (PARTS, 10),
        (PARTS | {"engagements": 7}, 7),
        (PARTS | {"engagements": 0}, 0),
        ({"likes": 1, "comments": 2, "shares": 3}, None),
        (PARTS | {"saves": None}, None),
        ({}, None),
    ],
)
def test_engagements_as_reported_else_the_sum_of_all_four_parts(
    fields: dict[str, Any], expected: int | None
) -> None:
    assert engagements(snapshot(**fields)) == expected


def test_the_copy_names_every_column_of_ingest_rows() -> None:
    assert sorted(COPY_COLUMNS) == sorted(c.name for c in IngestRow.__table__.c)


def test_a_record_gives_each_column_its_value() -> None:
    batch = uuid.uuid4()
    row = snapshot(
        period_start="2026-11-02T13:00:00+01:00",
        granularity="hour",
        impressions=500,
        **PARTS,
        spend="12.50",
        conversion_value="3",
        source="meta_insights_v23",
    )
    workspace = uuid.uuid4()
    record = dict(zip(COPY_COLUMNS, copy_record(workspace, batch, 41, row, "EUR"), strict=True))
    assert record == {
        "workspace_id": workspace,
        "batch_id": batch,
        "seq": 41,
        "content_item_id": uuid.UUID(ITEM),
        "campaign_id": None,
        "granularity": "hour",
        "period_start": row.period_start,
        "impressions": 500,
        "reach": None,
        "engagements": 10,
        **PARTS,
        "clicks": None,
        "video_views": None,
        "leads": None,
        "conversions": None,
        "spend": Decimal("12.50"),
        "conversion_value": Decimal("3"),
        "source": "meta_insights_v23",
        "unreported": None,
    }


@pytest.mark.parametrize(
    ("currency", "sent", "recorded"),
    [
        ("EUR", "120.0000", "120.00"),
        ("EUR", "3", "3.00"),
        ("EUR", "84.20", "84.20"),
        ("JPY", "1500.000", "1500"),
        ("TND", "12.345", "12.345"),
        ("TND", "12.3450", "12.345"),
    ],
)
def test_money_is_recorded_with_its_currencys_places(
    currency: str, sent: str, recorded: str
) -> None:
    row = snapshot(spend=sent, conversion_value=sent)
    record = dict(
        zip(COPY_COLUMNS, copy_record(uuid.uuid4(), uuid.uuid4(), 0, row, currency), strict=True)
    )
    assert (str(record["spend"]), str(record["conversion_value"])) == (recorded, recorded)


def test_a_row_without_money_needs_no_currency() -> None:
    record = dict(
        zip(COPY_COLUMNS, copy_record(uuid.uuid4(), uuid.uuid4(), 0, snapshot(), None), strict=True)
    )
    assert (record["spend"], record["conversion_value"]) == (None, None)


def test_a_record_keeps_why_counters_are_null_as_json() -> None:
    row = snapshot(
        period_start="2026-11-02T00:00:00Z",
        granularity="day",
        reach=10,
        unreported={"impressions": "deprecated", "clicks": "permission"},
    )
    record = dict(
        zip(COPY_COLUMNS, copy_record(uuid.uuid4(), uuid.uuid4(), 0, row, "EUR"), strict=True)
    )
    assert record["unreported"] == '{"impressions":"deprecated","clicks":"permission"}'
