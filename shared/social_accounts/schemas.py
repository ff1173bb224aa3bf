from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from shared.schemas import InputModel, ReadModel, Text, Timestamp, UpdateModel
from shared.social_accounts.models import Connection, Platform

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
    connection: Connection | None = Field(
        description="Null: no credentials. `needs_reauth`: the platform refused the token "
        "(expired or revoked); pulls stop until new credentials are set."
    )
    token_expires_at: datetime | None
    api_version: str | None
    sync_interval_minutes: int | None
    next_sync_at: datetime | None
    last_synced_at: datetime | None
    last_sync_error: str | None
    created_at: datetime
    updated_at: datetime


class CredentialsIn(InputModel):
    """Platform credentials, kept encrypted and never returned."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "access_token": "EAAB...",
                    "expires_at": "2027-02-01T00:00:00Z",
                    "api_version": "v23.0",
                    "sync_interval_minutes": 360,
                }
            ]
        },
    )

    access_token: str = Field(min_length=1, max_length=4096, pattern=r"^[\x21-\x7e]+$")
    expires_at: Timestamp | None = Field(
        default=None, description="When the platform said the token expires."
    )
    api_version: str = Field(pattern=r"^v?\d{1,6}(\.\d{1,3})?$", max_length=16)
    sync_interval_minutes: int | None = Field(
        default=360, ge=15, le=10080, description="Null: keep the token, pull on demand only."
    )


class SyncQueued(ReadModel):
    account_id: uuid.UUID
    job_id: uuid.UUID = Field(description="The pull's job: `GET /v1/jobs` shows how it went.")
