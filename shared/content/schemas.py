from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import AnyHttpUrl, ConfigDict, Field, StrictBool, UrlConstraints, model_validator
from pydantic.config import JsonDict

from shared.content.models import ContentFormat, ContentStatus
from shared.schemas import InputModel, Money, ReadModel, Text, Timestamp, UpdateModel
from shared.social_accounts.models import Platform

Url = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=2048),
    Field(examples=["https://cdn.example.com/spring/hero.jpg"]),
]
Caption = Annotated[Text, Field(max_length=63_206)]  # Facebook's limit, the largest of all

#: `_variant_needs_group` in JSON Schema: a non-empty variant needs a non-empty group. Each
#: part says it is open (`additionalProperties: true`, JSON Schema's default): a reader
#: that closes subschemas by default, as Redocly's example check does, would otherwise find
#: every body with more fields than the one the part names invalid.
_VARIANT_NEEDS_GROUP: JsonDict = {
    "if": {
        "properties": {"variant": {"type": "string", "minLength": 1}},
        "required": ["variant"],
        "additionalProperties": True,
    },
    "then": {
        "properties": {"ab_test_group": {"type": "string", "minLength": 1}},
        "required": ["ab_test_group"],
        "additionalProperties": True,
    },
}


class _Variant(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_VARIANT_NEEDS_GROUP)

    @model_validator(mode="after")
    def _variant_needs_group(self) -> Self:
        if getattr(self, "variant", None) and not getattr(self, "ab_test_group", None):
            raise ValueError("variant needs ab_test_group")
        return self


class ContentItemCreate(_Variant):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            **_VARIANT_NEEDS_GROUP,
            "examples": [
                {
                    "social_account_id": "6f1c2b9e-8d3a-4c51-9e6f-0a7b3c2d1e4f",
                    "format": "reel",
                    "caption": "La collection Printemps est là 🌸 #MaisonLumiere",
                    "media_urls": ["https://cdn.example.com/spring/hero.mp4"],
                    "paid": True,
                    "production_cost": "1800.00",
                    "ab_test_group": "hero_reel",
                    "variant": "A",
                    "scheduled_at": "2026-03-02T18:30:00+01:00",
                }
            ],
        },
    )

    social_account_id: uuid.UUID
    campaign_id: uuid.UUID | None = None
    format: ContentFormat
    title: Text | None = Field(default=None, max_length=200)
    caption: Caption | None = Field(default=None, examples=["Spring is here 🌸 #MaisonLumiere"])
    media_urls: list[Url] = Field(default_factory=list, max_length=20)
    link_url: Url | None = None
    cta: Text | None = Field(default=None, max_length=64, examples=["shop_now"])
    paid: StrictBool = False
    production_cost: Money | None = None
    ab_test_group: Text | None = Field(default=None, max_length=100)
    variant: Text | None = Field(default=None, max_length=50)
    scheduled_at: Timestamp | None = None


class ContentItemUpdate(_Variant, UpdateModel):
    NOT_NULL = frozenset({"format", "status", "paid", "media_urls"})

    campaign_id: uuid.UUID | None = None
    format: ContentFormat | None = None
    status: ContentStatus | None = Field(
        default=None, description="Moves along the approval workflow."
    )
    title: Text | None = Field(default=None, max_length=200)
    caption: Caption | None = None
    media_urls: list[Url] | None = Field(default=None, max_length=20)
    link_url: Url | None = None
    cta: Text | None = Field(default=None, max_length=64)
    paid: StrictBool | None = None
    production_cost: Money | None = None
    ab_test_group: Text | None = Field(default=None, max_length=100)
    variant: Text | None = Field(default=None, max_length=50)
    scheduled_at: Timestamp | None = None
    review_note: Text | None = Field(default=None, max_length=2000)


class Publication(InputModel):
    """What the publishing system reports once the post is live."""

    external_post_id: Text = Field(min_length=1, max_length=200, examples=["17912345678901234"])
    published_at: Timestamp


class ContentItemRead(ReadModel):
    id: uuid.UUID
    social_account_id: uuid.UUID
    campaign_id: uuid.UUID | None
    platform: Platform
    format: ContentFormat
    status: ContentStatus
    title: str | None
    caption: str | None
    media_urls: list[str]
    link_url: str | None
    cta: str | None
    paid: bool
    production_cost: Money | None
    ab_test_group: str | None
    variant: str | None
    scheduled_at: datetime | None
    published_at: datetime | None
    external_post_id: str | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime
