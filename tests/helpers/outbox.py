"""The events a workspace's changes wrote to the outbox (WH-5), as the webhooks will send them."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import sqlalchemy as sa

from services.api.state import Resources


class OutboxEvent(NamedTuple):
    type: str
    data: dict[str, Any]


async def outbox_events(resources: Resources, workspace_id: str, *types: str) -> list[OutboxEvent]:
    """The workspace's events of `types` (all of them if none is named), oldest first."""
    query = "SELECT type, data FROM outbox_events WHERE workspace_id = :w"
    params: dict[str, Any] = {"w": uuid.UUID(workspace_id)}
    if types:
        query += " AND type = ANY(:types)"
        params["types"] = list(types)
    async with resources.engine.connect() as conn:
        rows = await conn.execute(sa.text(query + " ORDER BY occurred_at"), params)
        return [OutboxEvent(kind, data) for kind, data in rows]
