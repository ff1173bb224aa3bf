from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db.base import (
    Base,
    TenantOwned,
    Versioned,
    str_enum,
    tenant_key,
    tenant_listing_index,
    utcnow,
)


class WebhookEndpoint(TenantOwned, Versioned, Base):
    """Where a workspace's events go (WH-1). The signing secret is stored encrypted
    (`shared.crypto`): signing needs it back, so it cannot be hashed."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (tenant_listing_index("webhook_endpoints"),)

    url: Mapped[str] = mapped_column(sa.Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(sa.String(64)))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: Start of the current run of failed attempts; reset by any success (WH-4: 5 days).
    failing_since: Mapped[datetime | None]
    secret_ciphertext: Mapped[str] = mapped_column(sa.Text)
    #: During a rotation's overlap, deliveries are signed with both secrets.
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    previous_secret_expires_at: Mapped[datetime | None]


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting for its (next) attempt at next_attempt_at
    sending = "sending"  # claimed by a dispatcher until next_attempt_at (a lease)
    succeeded = "succeeded"
    failed = "failed"  # retries exhausted, endpoint disabled, or a one-off retry failed


class WebhookDelivery(Base):
    """One event for one endpoint (WH-4); its id is not the `webhook-id` header, the
    event's id is, so a receiver sees the same `webhook-id` on every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "endpoint_id", "workspace_id"),
        tenant_key("endpoint_id", "webhook_endpoints"),
        tenant_key("event_id", "outbox_events"),
        sa.Index(
            "ix_webhook_deliveries_endpoint_id_created_at_id", "endpoint_id", "created_at", "id"
        ),
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('pending', 'sending')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.pending
    )
    attempt_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    #: A retry asked for by hand is one attempt, not a new round of the schedule.
    one_off: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    attempts: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.number", lazy="raise", passive_deletes=True
    )


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery, as the receiver answered it (WH-4)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        sa.Index("ix_webhook_attempts_delivery_id_number", "delivery_id", "number"),
        tenant_key("delivery_id", "webhook_deliveries"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    delivery_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    attempted_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(sa.Integer)
    status_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    response_body: Mapped[str | None] = mapped_column(sa.String(1024))
    error: Mapped[str | None] = mapped_column(sa.String(1000))
