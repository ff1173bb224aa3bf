from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StrictFloat, model_validator

from shared.attribution.algorithms import AttributionModel
from shared.jobs.work import IngestStatus as RunStatus
from shared.schemas import InputModel, JsonInt, Money, ReadModel, Timestamp

DIMENSIONS = ("channel", "campaign", "content_item")

#: The event types a run may count as conversions; the others are touchpoints.
ConversionType = Literal["add_to_cart", "lead", "purchase"]


def _purchases() -> list[ConversionType]:
    return ["purchase"]


class RunCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-10-01T00:00:00Z",
                    "to": "2026-11-01T00:00:00Z",
                    "conversion_types": ["purchase"],
                    "lookback_days": 30,
                    "models": ["last_touch", "position_based", "markov"],
                }
            ]
        },
    )

    start: Timestamp = Field(alias="from", description="Conversions from (inclusive).")
    end: Timestamp = Field(alias="to", description="Conversions to (exclusive).")
    conversion_types: list[ConversionType] = Field(
        default_factory=_purchases, min_length=1, max_length=3
    )
    lookback_days: Annotated[int, JsonInt(1, 365)] = 30
    models: list[AttributionModel] = Field(
        default_factory=lambda: list(AttributionModel),
        min_length=1,
        max_length=len(AttributionModel),
        description="All when omitted; a repeat counts once.",
    )
    half_life_days: StrictFloat = Field(default=7.0, gt=0, le=365, allow_inf_nan=False)
    markov_order: Annotated[int, JsonInt(1, 3)] = 1

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end <= self.start:
            raise ValueError("`to` must be after `from`")
        if self.end - self.start > timedelta(days=731):
            raise ValueError("a run covers at most two years")
        self.models = list(dict.fromkeys(self.models))
        return self


class AttributionCredit(ReadModel):
    key: str = Field(
        description="The channel, campaign id or content item id; `direct` or "
        "`(none)` for conversions without a touchpoint or a campaign."
    )
    conversions: float
    value: Money
    share: float | None = Field(description="Of the run's conversions.")


class RunRead(ReadModel):
    id: uuid.UUID
    status: RunStatus
    params: dict[str, object]
    path_count: int | None = Field(description="Paths, converting or not.")
    conversion_count: int | None
    results: dict[str, dict[str, list[AttributionCredit]]] | None = Field(
        description="results[model][dimension]: channel, campaign, content_item."
    )
    removal_effects: dict[str, float] | None = Field(description="Markov, per channel.")
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class RunSummary(ReadModel):
    """A run as `attribution.completed` carries it (results are read from the API)."""

    id: uuid.UUID
    status: RunStatus
    path_count: int | None
    conversion_count: int | None
    finished_at: datetime | None
