from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from shared.metrics.models import Granularity, Reason
from shared.schemas import InputModel, JsonInt, Money, MoneyText, ReadModel, RowTimestamp, Text

MAX_ROWS = 10_000

#: A counter: a non-negative JSON integer, or null / omitted for "not reported".
Count = Annotated[int, JsonInt(0, 2**62)]


#: The currency rule of a row's money, which the service checks (`currency_precision`).
IN_TARGETS_CURRENCY = (
    "In the target's currency (a campaign's; a content item's campaign's, or the "
    "workspace's for an item in no campaign), no finer than its minor unit (ISO 4217): "
    '"120.0000" is 120.00 euros, "12.345" is too precise for euros.'
)


def decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


#: Exactly one of the two targets (the services check it too, as "one_target"): no
#: content item, then a campaign; a content item, then no campaign. Said with
#: if/then/else rather than a top-level oneOf, which generators read as a union of the
#: branches alone (a row type with nothing but its target).
ONE_TARGET: dict[str, Any] = {
    "if": {
        "properties": {"content_item_id": {"type": "null"}},
        "additionalProperties": True,
    },
    "then": {
        "properties": {"campaign_id": {"type": "string", "format": "uuid"}},
        "required": ["campaign_id"],
        "additionalProperties": True,
    },
    "else": {
        "properties": {"campaign_id": {"type": "null"}},
        "additionalProperties": True,
    },
}


class Unreported(InputModel):
    """Why the source left counters null: only for counters the row leaves null."""

    model_config = ConfigDict(extra="forbid", strict=True)

    impressions: Reason | None = None
    reach: Reason | None = None
    engagements: Reason | None = None
    likes: Reason | None = None
    comments: Reason | None = None
    shares: Reason | None = None
    saves: Reason | None = None
    clicks: Reason | None = None
    video_views: Reason | None = None
    leads: Reason | None = None
    conversions: Reason | None = None
    spend: Reason | None = None
    conversion_value: Reason | None = None


class SnapshotIn(InputModel):
    """Validated in bulk from the raw JSON by pydantic-core (strict: a timestamp is an
    RFC 3339 string with an offset, a counter a JSON integer, money a decimal string):
    10,000 rows per request leave no room for Python validators per row."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra=ONE_TARGET,
    )

    content_item_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    period_start: RowTimestamp = Field(
        description="RFC 3339 with an offset: an hour on a UTC hour, a day at midnight UTC "
        "or at midnight in the workspace's time zone."
    )
    granularity: Granularity
    impressions: Count | None = None
    reach: Count | None = None
    engagements: Count | None = Field(
        default=None,
        description="Omitted: likes + comments + shares + saves when all four are given.",
    )
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None
    saves: Count | None = None
    clicks: Count | None = None
    video_views: Count | None = None
    leads: Count | None = None
    conversions: Count | None = None
    spend: MoneyText | None = Field(default=None, description=IN_TARGETS_CURRENCY)
    conversion_value: MoneyText | None = Field(default=None, description=IN_TARGETS_CURRENCY)
    source: Text | None = Field(default=None, max_length=100, examples=["meta_insights_v23"])
    unreported: Unreported | None = Field(
        default=None,
        description="Why counters are null: `deprecated` (the platform retired the metric), "
        "`not_provided` (it reported nothing for this object or day), `permission` (it "
        "refused the metric to the token). Counted in KPI coverage.",
        examples=[{"impressions": "deprecated"}],
    )


class SnapshotBatch(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "snapshots": [
                        {
                            "content_item_id": "6f1c2b9e-8d3a-4c51-9e6f-0a7b3c2d1e4f",
                            "period_start": "2026-03-02T00:00:00Z",
                            "granularity": "day",
                            "impressions": 12840,
                            "reach": 9310,
                            "likes": 512,
                            "comments": 38,
                            "shares": 21,
                            "saves": 64,
                            "clicks": 190,
                            "spend": "84.20",
                            "source": "meta_insights_v23",
                        }
                    ]
                }
            ]
        },
    )

    snapshots: list[SnapshotIn] = Field(min_length=1, max_length=MAX_ROWS)


class SnapshotRead(ReadModel):
    content_item_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    granularity: Granularity
    period_start: datetime
    impressions: int | None
    reach: int | None
    engagements: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    clicks: int | None
    video_views: int | None
    leads: int | None
    conversions: int | None
    spend: Money | None
    conversion_value: Money | None
    source: str | None
    unreported: dict[str, Reason] = Field(
        description="Why null counters are null, for those whose source said why."
    )
    updated_at: datetime

    @field_validator("unreported", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return {} if value is None else value
