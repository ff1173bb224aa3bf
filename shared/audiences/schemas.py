"""Audience definitions: saved targeting, retargeting rules (SEG-1), lookalikes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, StrictBool, StrictFloat, model_validator

from shared.audiences.models import AudienceKind
from shared.events.models import CHANNEL, EventType
from shared.schemas import (
    UNIQUE,
    CountryCode,
    InputModel,
    JsonInt,
    Name,
    ReadModel,
    Text,
    UpdateModel,
    decimal_text,
)
from shared.segments import platforms as checks
from shared.social_accounts.models import Platform


class GeoCircle(InputModel):
    lat: StrictFloat = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: StrictFloat = Field(ge=-180, le=180, allow_inf_nan=False)
    radius_km: StrictFloat = Field(gt=0, le=800, allow_inf_nan=False)


class Gender(enum.StrEnum):
    female = "female"
    male = "male"
    other = "other"


class Targeting(InputModel):
    age_min: Annotated[int, JsonInt(13, 65)] = 18
    age_max: Annotated[int, JsonInt(13, 65)] = 65
    genders: list[Gender] = Field(
        default_factory=list, max_length=3, description="Empty means all.", json_schema_extra=UNIQUE
    )
    locations: list[CountryCode | GeoCircle] = Field(default_factory=list, max_length=250)
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$", max_length=2)]] = Field(
        default_factory=list,
        max_length=50,
        examples=[["fr", "en"]],
        description="ISO 639-1 codes; empty means all.",
        json_schema_extra=UNIQUE,
    )
    interests: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.age_max < self.age_min:
            raise ValueError("age_max must be at least age_min")
        for name in ("genders", "languages"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must not repeat a value")
        return self


class Condition(InputModel):
    event: EventType
    within_days: Annotated[int, JsonInt(1, 540)] = Field(examples=[7])
    min_count: Annotated[int, JsonInt(1, 10_000)] = 1
    channel: str | None = Field(
        default=None, pattern=CHANNEL, max_length=50, examples=["instagram"]
    )
    campaign_id: uuid.UUID | None = None


class SegmentRule(InputModel):
    include: list[Condition] = Field(min_length=1, max_length=20)
    exclude: list[Condition] = Field(default_factory=list, max_length=20)
    tiers: StrictBool = False

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "include": [{"event": "add_to_cart", "within_days": 7}],
                    "exclude": [{"event": "purchase", "within_days": 7}],
                    "tiers": True,
                }
            ]
        },
    )


#: A lookalike's share of the country, 1 % to 10 % ("0.01" to "0.10").
Ratio = Annotated[
    Decimal,
    Field(
        ge=Decimal("0.01"), le=Decimal("0.10"), max_digits=3, decimal_places=2, allow_inf_nan=False
    ),
    *decimal_text(r"^0\.(0[1-9]|10?)$", example="0.01", max_length=4),
]
RefreshMinutes = Annotated[int, JsonInt(5, 10_080)]


class _Common(InputModel):
    name: Name
    description: Text | None = Field(default=None, max_length=2000)
    platforms: list[Platform] = Field(default_factory=list, max_length=7)


class SavedAudienceCreate(_Common):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "saved",
                    "name": "Paris 25-44, déco",
                    "targeting": {
                        "age_min": 25,
                        "age_max": 44,
                        "locations": ["FR", {"lat": 48.8566, "lon": 2.3522, "radius_km": 25}],
                        "languages": ["fr"],
                        "interests": ["home decor"],
                    },
                }
            ]
        },
    )

    kind: Literal[AudienceKind.saved]
    targeting: Targeting


class RetargetingAudienceCreate(_Common):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "retargeting",
                    "name": "Paniers abandonnés 7 j",
                    "rule": {
                        "include": [{"event": "add_to_cart", "within_days": 7}],
                        "exclude": [{"event": "purchase", "within_days": 7}],
                        "tiers": True,
                    },
                    "platforms": ["instagram", "facebook"],
                    "refresh_every_minutes": 60,
                }
            ]
        },
    )

    kind: Literal[AudienceKind.retargeting]
    rule: SegmentRule
    refresh_every_minutes: RefreshMinutes = 60


class LookalikeAudienceCreate(_Common):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "lookalike",
                    "name": "Lookalike 1 % FR acheteurs",
                    "source_audience_id": "0b5e8c1a-2f4d-4e6a-9b7c-3d2e1f0a9b8c",
                    "country": "FR",
                    "ratio": "0.01",
                }
            ]
        },
    )

    kind: Literal[AudienceKind.lookalike]
    source_audience_id: uuid.UUID
    country: CountryCode
    ratio: Ratio = Field(examples=["0.01"])


AudienceCreate = Annotated[
    SavedAudienceCreate | RetargetingAudienceCreate | LookalikeAudienceCreate,
    Field(discriminator="kind"),
]

#: The fields each kind accepts on PATCH, beyond the common ones.
KIND_FIELDS: dict[AudienceKind, frozenset[str]] = {
    AudienceKind.saved: frozenset({"targeting"}),
    AudienceKind.retargeting: frozenset({"rule", "refresh_every_minutes"}),
    AudienceKind.lookalike: frozenset({"country", "ratio"}),
}


class AudienceUpdate(UpdateModel):
    NOT_NULL = frozenset(
        {"name", "platforms", "targeting", "rule", "refresh_every_minutes", "country", "ratio"}
    )

    name: Name | None = None
    description: Text | None = Field(default=None, max_length=2000)
    platforms: list[Platform] | None = Field(default=None, max_length=7)
    targeting: Targeting | None = None
    rule: SegmentRule | None = None
    refresh_every_minutes: RefreshMinutes | None = None
    country: CountryCode | None = None
    ratio: Ratio | None = None


class AudienceRead(ReadModel):
    id: uuid.UUID
    name: str
    kind: AudienceKind
    description: str | None
    platforms: list[Platform]
    targeting: Targeting | None = None
    rule: SegmentRule | None = None
    refresh_every_minutes: int | None = None
    source_audience_id: uuid.UUID | None = None
    country: str | None = None
    ratio: Decimal | None = None
    size: int | None = Field(description="Members at the last refresh (retargeting).")
    computed_at: datetime | None
    tier_counts: dict[str, int] | None = Field(
        default=None, description="Members per engagement tier at the last refresh."
    )
    platform_warnings: list[str] = Field(
        default_factory=list,
        description="What the targeted ad platforms will refuse (retention, minimum size, "
        "lookalike ratio), said before the upload (SEG-5).",
    )
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _unpack_definition(cls, value: Any) -> Any:
        definition = getattr(value, "definition", None)
        if definition is None:
            return value
        fields = {
            name: getattr(value, name)
            for name in (
                "id",
                "name",
                "kind",
                "description",
                "platforms",
                "refresh_every_minutes",
                "source_audience_id",
                "size",
                "computed_at",
                "tier_counts",
                "created_at",
                "updated_at",
            )
        }
        return {**fields, **definition, "platform_warnings": _warnings(value, definition)}


def _warnings(audience: Any, definition: dict[str, Any]) -> list[str]:
    chosen = [Platform(p) for p in audience.platforms]
    if "rule" in definition:
        rule = SegmentRule.model_validate(definition["rule"])
        return checks.retargeting_warnings(rule, chosen, audience.size)
    if "ratio" in definition:
        return checks.lookalike_warnings(Decimal(str(definition["ratio"])), chosen)
    return []
