from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, HttpUrl, StrictBool, UrlConstraints, WithJsonSchema

from shared.schemas import InputModel, ReadModel, Text, UpdateModel
from shared.webhooks.catalogue import ALL, EVENT_TYPES
from shared.webhooks.models import DeliveryStatus


def _event_types(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(EVENT_TYPES) - {ALL})
    if unknown:
        raise ValueError(
            f"unknown event types {unknown}: see GET /v1/webhook-event-types, or use ['*']"
        )
    if ALL in value and len(value) > 1:
        raise ValueError("'*' already means every event type: send it alone")
    return sorted(set(value))


#: `["*"]`, or event types of the catalogue: the schema lists them, so a generated client
#: offers exactly what the server accepts.
EventTypes = Annotated[
    list[Annotated[str, Field(max_length=64)]],
    Field(min_length=1, max_length=64),
    AfterValidator(_event_types),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"const": ALL}, "minItems": 1, "maxItems": 1},
                {
                    "type": "array",
                    "items": {"type": "string", "enum": sorted(EVENT_TYPES)},
                    "minItems": 1,
                    "maxItems": 64,
                },
            ],
            "description": '`["*"]` alone for every event type, or some of them (GET '
            "/v1/webhook-event-types); a repeat counts once.",
            "examples": [["content_item.due", "campaign.status_changed"]],
        }
    ),
]
Url = Annotated[
    HttpUrl,
    UrlConstraints(max_length=2048),  # of the URL as sent (a normalised one may grow a "/")
    Field(
        description="https and a public address (SSRF guard), unless the operator allows "
        "private addresses (WEBHOOK_ALLOW_PRIVATE).",
        examples=["https://hooks.example.com/smm"],
    ),
]
Description = Annotated[Text, Field(max_length=500, examples=["Publishing system (prod)"])]


class EndpointCreate(InputModel):
    url: Url
    event_types: EventTypes = Field(default_factory=lambda: [ALL])
    description: Description | None = None
    enabled: StrictBool = True


class EndpointUpdate(UpdateModel):
    NOT_NULL = frozenset({"url", "event_types", "enabled"})

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: StrictBool | None = Field(
        default=None, description="Re-enabling clears `disabled_reason` and the failure streak."
    )


class SecretRotation(InputModel):
    overlap_seconds: int = Field(
        default=86_400,
        ge=0,
        le=7 * 86_400,
        description="How long the previous secret keeps signing too (both signatures are "
        "sent), so receivers can switch without dropping a delivery.",
    )


class EndpointRead(ReadModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None = Field(
        description="Why the platform disabled the endpoint (410 Gone, 5 days of failures)."
    )
    failing_since: datetime | None = Field(
        description="Start of the current run of failed attempts; null once one succeeds."
    )
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(
        description="The signing secret (`whsec_...`). Shown once: store it now.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class AttemptRead(ReadModel):
    number: int
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None = Field(description="The first 1 KiB of the response body.")
    error: str | None = Field(description="Timeout, refused connection, blocked address...")


class DeliveryRead(ReadModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="Also the `webhook-id` header of every attempt.")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempts: list[AttemptRead]


class EventTypeRead(ReadModel):
    type: str
    description: str
    data_schema: dict[str, Any] = Field(description="JSON schema of the event's `data`.")
