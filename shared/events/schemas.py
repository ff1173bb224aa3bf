from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool

from shared.events.models import CHANNEL, VALUED, EventType
from shared.schemas import PRINTABLE, InputModel, MoneyText, ReadModel, RowTimestamp

MAX_EVENTS = 10_000

Ident = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]


class EventIn(InputModel):
    """Validated in bulk from the raw JSON by pydantic-core (strict, like snapshots)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        # The service's rule in JSON Schema: only some types carry a value.
        json_schema_extra={
            "if": {"properties": {"type": {"not": {"enum": [t.value for t in sorted(VALUED)]}}}},
            "then": {"properties": {"value": {"type": "null"}}},
        },
    )

    event_id: Ident = Field(
        description="Client-chosen; a repeat of an id is ignored, whatever its time."
    )
    visitor_id: Ident
    type: EventType
    occurred_at: RowTimestamp
    channel: str = Field(
        pattern=CHANNEL,
        max_length=50,
        examples=["instagram", "email", "search", "direct"],
        description="A platform name, or email, search, direct, referral...",
    )
    campaign_id: uuid.UUID | None = None
    content_item_id: uuid.UUID | None = None
    value: MoneyText | None = Field(
        default=None,
        description="purchase, lead, add_to_cart; in the workspace's currency, no finer than "
        "its minor unit (ISO 4217): the service refuses a finer one (`currency_precision`).",
    )
    email: str | None = Field(
        default=None,
        max_length=320,
        # `pii.normal_email`'s rule, around the spaces it trims.
        pattern=r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+"
        r"\.[^@\s\x00-\x1f\x7f-\x9f]+\s*$",
        description="Stored as SHA-256 only.",
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        # `pii.normal_phone`'s rule: + or 00, then 8 to 15 digits (the first not 0) among
        # spaces, dots, dashes, slashes and brackets.
        pattern=r"^\s*(\+|00)[\s().\-/]*[1-9]([\s().\-/]*\d){7,14}[\s().\-/]*$",
        description="With its country code (+33 ..., 0033 ...); stored as SHA-256 only.",
    )
    consent: StrictBool | None = Field(
        default=None, description="The visitor's consent to ad matching, as of this event."
    )


class EventBatch(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "event_id": "evt_01HV7",
                            "visitor_id": "v_8f3a",
                            "type": "purchase",
                            "occurred_at": "2026-11-23T18:42:10Z",
                            "channel": "instagram",
                            "value": "89.90",
                            "email": " Claire.B@Example.com ",
                            "consent": True,
                        }
                    ]
                }
            ]
        },
    )

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventsAccepted(ReadModel):
    received: int
    inserted: int = Field(description="New events stored.")
    duplicates: int = Field(description="Events already stored (same id and time): ignored.")
    visitors: int = Field(description="Visitors created or updated.")
