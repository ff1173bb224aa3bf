from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, utcnow


class OutboxEvent(Base):
    """A domain event, written in the transaction of the change that caused it (WH-5).

    Named `outbox_events` to keep `events` free for the tracked marketing events (EVT-1).
    `dispatched_at` is set once the event has been fanned out to webhook deliveries.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        sa.Index("ix_outbox_events_workspace_id_occurred_at", "workspace_id", "occurred_at"),
        sa.Index(
            "ix_outbox_events_undispatched",
            "occurred_at",
            postgresql_where=sa.text("dispatched_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    dispatched_at: Mapped[datetime | None]
