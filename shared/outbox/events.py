"""What an outbox event carries: one pydantic model per event type, its `data` (WH-3).

The model is the contract a webhook receiver codes against: its JSON schema is served by
`GET /v1/webhook-event-types`, and `uow.emit` takes nothing else, so an emitted payload
cannot drift from its published schema.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: ClassVar[str]
    description: ClassVar[str]
