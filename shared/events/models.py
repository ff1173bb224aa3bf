"""Tracked events (EVT-1) and the visitors they describe."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, str_enum


class EventType(enum.StrEnum):
    impression = "impression"
    engagement = "engagement"
    click = "click"
    visit = "visit"
    add_to_cart = "add_to_cart"
    lead = "lead"
    purchase = "purchase"


#: ATT-1: what a path is made of; the rest are what a path leads to.
#: A channel as events name it and rules match it: lower case, so "Instagram" in a rule
#: cannot silently match nothing.
CHANNEL = r"^[a-z0-9][a-z0-9_.\-]{0,49}$"
TOUCHPOINTS = frozenset(
    {EventType.impression, EventType.engagement, EventType.click, EventType.visit}
)
#: Event types that may carry a value.
VALUED = frozenset({EventType.purchase, EventType.lead, EventType.add_to_cart})


class EventKey(Base):
    """Each event id a workspace has sent, once (EVT-1): a partitioned table's unique key
    must hold its partition column, so `events` alone could not refuse a retry that
    restates an id at another time (a tracker's clock, a resend with milliseconds)."""

    __tablename__ = "event_keys"
    __table_args__ = (sa.PrimaryKeyConstraint("workspace_id", "event_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(sa.String(200))
    #: Where the event stored under this id is.
    occurred_at: Mapped[datetime]


class TrackedEvent(Base):
    """Partitioned by month of `occurred_at` (partitions made by the writer and ahead by
    a cron), keyed `workspace_id` first. Its key includes `occurred_at`, as partitioning
    requires; `event_keys` keeps an id to one event."""

    __tablename__ = "events"
    __table_args__ = (
        sa.PrimaryKeyConstraint("workspace_id", "event_id", "occurred_at"),
        # Paths and segments: one visitor's events in time order.
        sa.Index(
            "ix_events_workspace_id_visitor_id_occurred_at",
            "workspace_id",
            "visitor_id",
            "occurred_at",
        ),
        # Conversions of a period, and segment conditions by type.
        sa.Index("ix_events_workspace_id_type_occurred_at", "workspace_id", "type", "occurred_at"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_id: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime]
    visitor_id: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[EventType] = mapped_column(str_enum(EventType))
    channel: Mapped[str] = mapped_column(sa.String(50))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    content_item_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric())
    received_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class Visitor(Base):
    """What the events said about a visitor: hashed contact points and consent, each as
    of the latest event that stated it."""

    __tablename__ = "visitors"
    __table_args__ = (sa.PrimaryKeyConstraint("workspace_id", "visitor_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    visitor_id: Mapped[str] = mapped_column(sa.String(200))
    email_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    phone_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: When each contact point was last stated: an event with only a phone must not
    #: decide whether an older email stands.
    email_at: Mapped[datetime | None]
    phone_at: Mapped[datetime | None]
    consent: Mapped[bool | None] = mapped_column(sa.Boolean)
    consent_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
