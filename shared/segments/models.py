"""Retargeting audiences' members and refreshes (SEG-2, SEG-3)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, str_enum, tenant_key, tenant_listing_index
from shared.jobs.work import IngestStatus as RefreshStatus
from shared.segments.rules import Tier


class AudienceMember(Base):
    __tablename__ = "audience_members"
    __table_args__ = (
        sa.PrimaryKeyConstraint("audience_id", "visitor_id", "workspace_id"),
        sa.Index("ix_audience_members_audience_id_tier", "audience_id", "tier"),
        tenant_key("audience_id", "audiences"),
    )

    audience_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    visitor_id: Mapped[str] = mapped_column(sa.String(200))
    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    touches: Mapped[int] = mapped_column(sa.Integer)
    tier: Mapped[Tier | None] = mapped_column(str_enum(Tier))


class AudienceRefresh(TenantOwned, Base):
    """One recomputation of a retargeting audience (API-7's long work resource)."""

    __tablename__ = "audience_refreshes"
    __table_args__ = (
        tenant_listing_index("audience_refreshes"),
        sa.Index("ix_audience_refreshes_audience_id_created_at", "audience_id", "created_at"),
        tenant_key("audience_id", "audiences"),
    )

    audience_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    status: Mapped[RefreshStatus] = mapped_column(str_enum(RefreshStatus))
    #: `on_demand` or `schedule`.
    trigger: Mapped[str] = mapped_column(sa.String(20))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    previous_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.String(4000))
    finished_at: Mapped[datetime | None]
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
