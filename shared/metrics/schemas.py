from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StrictInt

from shared.metrics.models import Granularity, IngestStatus
from shared.schemas import InputModel, Money, ReadModel, Timestamp

MAX_ROWS = 10_000

#: A counter: a non-negative JSON integer, or null / omitted for "not reported".
Count = Annotated[StrictInt, Field(ge=0, le=2**62)]


class SnapshotIn(InputModel):
    content_item_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    period_start: Timestamp
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
    spend: Money | None = None
    conversion_value: Money | None = None
    source: str | None = Field(default=None, max_length=100, examples=["meta_insights_v23"])


class SnapshotBatch(InputModel):
    model_config = ConfigDict(
        extra="forbid",
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


class IngestBatchRead(ReadModel):
    id: uuid.UUID
    status: IngestStatus
    row_count: int
    inserted: int | None = Field(description="Snapshots created by this batch (once merged).")
    updated: int | None = Field(
        description="Snapshots whose values this batch changed; identical rows count in neither."
    )
    error: str | None
    created_at: datetime
    finished_at: datetime | None


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
    updated_at: datetime
