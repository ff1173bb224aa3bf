from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from shared.schemas import InputModel, ReadModel, Text, UpdateModel
from shared.social_accounts.models import Platform

Handle = Annotated[Text, Field(min_length=1, max_length=200, examples=["@maisonlumiere"])]


class SocialAccountCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "platform": "instagram",
                    "handle": "@maisonlumiere",
                    "external_id": "17841400123456789",
                    "display_name": "Maison Lumière",
                }
            ]
        },
    )

    platform: Platform
    handle: Handle
    external_id: Text = Field(min_length=1, max_length=200, examples=["17841400000000000"])
    display_name: Text | None = Field(default=None, max_length=200)


class SocialAccountUpdate(UpdateModel):
    NOT_NULL = frozenset({"handle"})

    handle: Handle | None = None
    display_name: Text | None = Field(default=None, max_length=200)


class SocialAccountRead(ReadModel):
    id: uuid.UUID
    platform: Platform
    handle: str
    external_id: str
    display_name: str | None
    created_at: datetime
    updated_at: datetime
