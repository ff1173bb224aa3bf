from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field

from shared.schemas import CurrencyCode, InputModel, Name, ReadModel, Timestamp
from shared.workspaces.models import Role


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


TimeZone = Annotated[
    str, Field(min_length=1, max_length=64, examples=["Europe/Paris"]), AfterValidator(_known_zone)
]


class WorkspaceCreate(InputModel):
    name: Name = Field(examples=["Maison Lumière"])
    timezone: TimeZone = "Europe/Paris"
    currency: CurrencyCode = "EUR"


class WorkspaceRead(ReadModel):
    id: uuid.UUID
    name: str
    timezone: str
    currency: str
    created_at: datetime


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Looker export",
                    "role": "viewer",
                    "expires_at": "2027-01-01T00:00:00Z",
                }
            ]
        },
    )

    name: Name = Field(examples=["Looker export"])
    role: Role = Field(examples=["viewer"])
    expires_at: Timestamp | None = None


class ApiKeyRead(ReadModel):
    id: uuid.UUID
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. Shown once: store it now.")


class WorkspaceCreated(ReadModel):
    workspace: WorkspaceRead
    api_key: ApiKeyCreated
