from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from shared.campaigns.models import CampaignStatus, Objective
from shared.schemas import (
    UNIQUE,
    CurrencyCode,
    InputModel,
    Money,
    Name,
    ReadModel,
    Share,
    Text,
    Timestamp,
    UpdateModel,
    decimal_text,
)
from shared.social_accounts.models import Platform

#: A return on ad spend above 0, at most 6 digits before the point and 4 after ("4", "0.5").
Roas = Annotated[
    Decimal,
    Field(gt=0, max_digits=10, decimal_places=4, allow_inf_nan=False),
    *decimal_text(
        r"^([1-9]\d{0,5}(\.\d{1,4})?|0\.([1-9]\d{0,3}|0[1-9]\d{0,2}|00[1-9]\d?|000[1-9]))$",
        example="4",
        max_length=11,
    ),
]


class Targets(InputModel):
    """Optional KPI targets: KPI rows say which ones they miss."""

    cpa: Money | None = None
    cpl: Money | None = None
    roas: Roas | None = None
    ctr: Share | None = None
    engagement_rate: Share | None = None


class Utm(InputModel):
    source: Text | None = Field(default=None, max_length=100, examples=["instagram"])
    medium: Text | None = Field(default=None, max_length=100, examples=["paid_social"])
    campaign: Text | None = Field(default=None, max_length=100, examples=["spring_launch_2026"])


def _unique(values: list[Platform] | list[uuid.UUID] | None) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("values must be unique")


class _CampaignFields(InputModel):
    @model_validator(mode="after")
    def _coherent(self) -> Self:
        starts, ends = getattr(self, "starts_at", None), getattr(self, "ends_at", None)
        if starts is not None and ends is not None and ends <= starts:
            raise ValueError("ends_at must be after starts_at")
        _unique(getattr(self, "platforms", None))
        _unique(getattr(self, "audience_ids", None))
        return self


class CampaignCreate(_CampaignFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Lancement collection Printemps",
                    "objective": "sales",
                    "starts_at": "2026-03-01T08:00:00+01:00",
                    "ends_at": "2026-03-31T22:00:00+02:00",
                    "budget": "25000.00",
                    "currency": "EUR",
                    "platforms": ["instagram", "facebook"],
                    "targets": {"roas": "4", "cpa": "25.00"},
                    "utm": {
                        "source": "meta",
                        "medium": "paid_social",
                        "campaign": "printemps_2026",
                    },
                }
            ]
        },
    )

    name: Name = Field(examples=["Spring collection launch"])
    objective: Objective
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    budget: Money | None = None
    currency: CurrencyCode | None = Field(default=None, description="Defaults to the workspace's.")
    platforms: list[Platform] = Field(default_factory=list, max_length=7, json_schema_extra=UNIQUE)
    audience_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, json_schema_extra=UNIQUE
    )
    targets: Targets = Field(default_factory=Targets)
    utm: Utm = Field(default_factory=Utm)


class CampaignUpdate(_CampaignFields, UpdateModel):
    NOT_NULL = frozenset({"name", "objective", "status", "currency", "platforms", "audience_ids"})

    name: Name | None = None
    objective: Objective | None = None
    status: CampaignStatus | None = Field(
        default=None, description="Moves along the status machine."
    )
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    budget: Money | None = None
    currency: CurrencyCode | None = None
    platforms: list[Platform] | None = Field(default=None, max_length=7, json_schema_extra=UNIQUE)
    audience_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=50, json_schema_extra=UNIQUE
    )
    targets: Targets | None = None
    utm: Utm | None = None


class CampaignRead(ReadModel):
    id: uuid.UUID
    name: str
    objective: Objective
    status: CampaignStatus
    starts_at: datetime | None
    ends_at: datetime | None
    budget: Money | None
    currency: str
    platforms: list[Platform]
    audience_ids: list[uuid.UUID]
    targets: Targets
    utm: Utm
    created_at: datetime
    updated_at: datetime
