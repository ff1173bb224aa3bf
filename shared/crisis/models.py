"""Escalation policies and their alerts (CRI-1..CRI-4)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_key, tenant_listing_index


class AlertStatus(enum.StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class EscalationPolicy(TenantOwned, Versioned, Base):
    __tablename__ = "escalation_policies"
    __table_args__ = (tenant_listing_index("escalation_policies"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    #: Null: the workspace's brand terms, whatever they are at evaluation.
    term_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(sa.Uuid))
    window_minutes: Mapped[int] = mapped_column(sa.Integer)
    baseline_days: Mapped[int] = mapped_column(sa.Integer)
    min_mentions: Mapped[int] = mapped_column(sa.Integer)
    #: `[{level, negative_share?, volume_ratio?, weighted_negative_share?}]`, lowest first.
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    cooldown_minutes: Mapped[int] = mapped_column(sa.Integer)
    #: `[{text, owner_role}]`, in order.
    playbook: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    freeze_publishing_at: Mapped[str | None] = mapped_column(sa.String(40))
    #: The freeze's scope: these campaigns' items, or (null) the whole workspace's.
    freeze_campaign_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(sa.Uuid))
    enabled: Mapped[bool] = mapped_column(sa.Boolean)


class Alert(TenantOwned, Versioned, Base):
    __tablename__ = "alerts"
    __table_args__ = (
        tenant_listing_index("alerts"),
        # CRI-3: at most one alert per policy is not resolved, whatever runs concurrently.
        sa.Index(
            "ix_alerts_policy_id_workspace_id_unresolved",
            "policy_id",
            "workspace_id",
            unique=True,
            postgresql_where=sa.text("status <> 'resolved'"),
        ),
        # Deleting a policy nulls its alerts' `policy_id` first (crisis.service): Citus
        # refuses ON DELETE SET NULL on a key holding the distribution column.
        tenant_key("policy_id", "escalation_policies", ondelete=None),
    )

    policy_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    policy_name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus))
    opened_at: Mapped[datetime]
    #: The last evaluation at which a level held: the cooldown runs from here.
    last_held_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    #: `cooldown` or `user`.
    resolved_by: Mapped[str | None] = mapped_column(sa.String(20))
    #: The CRI-2 metrics of the latest step, and every step: `[{level, at, metrics}]`.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONB)
    escalations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    sample_mention_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    #: The policy's playbook when the alert opened: `[{text, owner_role, done, done_at}]`.
    playbook: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    postmortem: Mapped[str | None] = mapped_column(sa.Text)
    #: Whether the alert froze publishing (CRI-4), and the scope it froze.
    freezing: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    freeze_campaign_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(sa.Uuid))
