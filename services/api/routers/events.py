"""Tracked events (docs/contract.md, EVT-1)."""

from __future__ import annotations

from fastapi import Request

from services.api.deps import EditorKey, UoW, bulk_body, v1_router
from services.api.problems import IDEMPOTENCY
from shared.db.base import utcnow
from shared.events import service
from shared.events.schemas import EventBatch, EventIn, EventsAccepted

router = v1_router("/events", "events")


@router.post(
    "",
    response_model=EventsAccepted,
    summary="Track up to 10,000 events (validated all or nothing; a repeated event is ignored)",
    responses=IDEMPOTENCY,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/EventBatch"}}
            },
        }
    },
)
async def track_events(request: Request, uow: UoW, key: EditorKey) -> EventsAccepted:
    body = await bulk_body(request, EventBatch, EventIn)
    return await service.ingest(uow, key.workspace_id, body, utcnow())
