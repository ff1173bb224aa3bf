from __future__ import annotations

import uuid

from pydantic import Field

from shared.outbox.events import Event


class WebhookTest(Event):
    type = "webhook.test"
    description = (
        "Sent by POST /v1/webhook-endpoints/{id}/test to that endpoint only, to check a "
        "receiver end to end (reachability, signature verification)."
    )

    endpoint_id: uuid.UUID
    message: str = Field(examples=["Test event from the SMM Platform"])
