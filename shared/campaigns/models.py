from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_key, tenant_listing_index


class Objective(enum.StrEnum):
    awareness = "awareness"
    traffic = "traffic"
    engagement = "engagement"
    leads = "leads"
    conversions = "conversions"
    sales = "sales"


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    active = "active"
    paused = "paused"
    completed = "completed"
    archived = "archived"


class Campaign(TenantOwned, Versioned, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        tenant_listing_index("campaigns"),
        sa.CheckConstraint("budget >= 0", name="budget_non_negative"),
        sa.CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="ends_after_start"
        ),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    objective: Mapped[Objective] = mapped_column(str_enum(Objective))
    status: Mapped[CampaignStatus] = mapped_column(str_enum(CampaignStatus))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    budget: Mapped[Decimal | None] = mapped_column(sa.Numeric())
    currency: Mapped[str] = mapped_column(sa.String(3))
    platforms: Mapped[list[str]] = mapped_column(ARRAY(sa.String(32)))
    targets: Mapped[dict[str, Any]] = mapped_column(JSONB)
    utm: Mapped[dict[str, Any]] = mapped_column(JSONB)

    audience_links: Mapped[list[CampaignAudience]] = relationship(
        lazy="joined", order_by="CampaignAudience.position", cascade="all, delete-orphan"
    )

    @property
    def audience_ids(self) -> list[uuid.UUID]:
        return [link.audience_id for link in self.audience_links]

    @audience_ids.setter
    def audience_ids(self, ids: list[uuid.UUID]) -> None:
        self.audience_links = [
            CampaignAudience(audience_id=ident, position=i) for i, ident in enumerate(ids)
        ]


class CampaignAudience(Base):
    """Which audiences a campaign targets; deleting an audience drops it from campaigns."""

    __tablename__ = "campaign_audiences"

    __table_args__ = (
        tenant_key("campaign_id", "campaigns"),
        tenant_key("audience_id", "audiences"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    audience_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, index=True)
    #: Set from the campaign's by the relationship.
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
