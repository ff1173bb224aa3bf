"""The platform report a client posts (a platform's response as returned) and what the
API answers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from shared.jobs.work import IngestBatchRead
from shared.metrics.schemas import ONE_TARGET
from shared.platforms.registry import ObjectType
from shared.schemas import InputModel, ReadModel
from shared.social_accounts.models import Platform
from shared.workspaces.schemas import TimeZone

#: A day, documented with its length (every input string has a maximum).
Day = Annotated[date, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]
#: A platform's API version as it spells it: `v23.0` (Meta), `202505` (LinkedIn), `v1.3`.
API_VERSION = r"^v?\d{1,6}(\.\d{1,3})?$"


class PlatformReportIn(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=ONE_TARGET
        | {
            "examples": [
                {
                    "platform": "instagram",
                    "object_type": "media",
                    "api_version": "v23.0",
                    "content_item_id": "6f1c2b9e-8d3a-4c51-9e6f-0a7b3c2d1e4f",
                    "payload": {
                        "data": [
                            {
                                "name": "views",
                                "period": "lifetime",
                                "values": [{"value": 1520}],
                                "id": "17900000000000000/insights/views/lifetime",
                            }
                        ]
                    },
                }
            ],
        },
    )

    platform: Platform
    object_type: ObjectType
    api_version: str = Field(pattern=API_VERSION, max_length=16, examples=["v23.0"])
    content_item_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    timezone: TimeZone | None = Field(
        default=None,
        description="The zone the platform's days are in, as it reports it (a Meta ad "
        "account's `timezone_name`, a TikTok advertiser's zone). Default: the workspace's.",
    )
    as_of: Day | None = Field(
        default=None,
        description="For a lifetime total: the day it is as of, in `timezone`. Default: today. "
        "It is stored as that day's increase over what the days before it hold.",
    )
    attribution_window: str | None = Field(
        default=None,
        pattern=r"^(1d|7d|28d)_(click|view)$",
        max_length=8,
        description="Meta `actions`: read this window's key instead of `value`.",
    )
    payload: dict[str, Any] = Field(
        description="The platform's response body, exactly as it returned it."
    )

    @model_validator(mode="after")
    def _one_target(self) -> PlatformReportIn:
        if (self.content_item_id is None) is (self.campaign_id is None):
            raise ValueError("give exactly one of content_item_id or campaign_id")
        return self


class PlatformReportAccepted(ReadModel):
    report: str = Field(description="The registry's report that read the payload.")
    buckets: int = Field(description="Snapshots the payload made (one per day or total).")
    ignored_metrics: list[str] = Field(
        description="Names in the payload the registry does not map to a counter."
    )
    batch: IngestBatchRead
