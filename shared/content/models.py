from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_key, tenant_listing_index
from shared.social_accounts.models import Platform


class ContentFormat(enum.StrEnum):
    post = "post"
    story = "story"
    reel = "reel"
    short_video = "short_video"
    carousel = "carousel"
    live = "live"
    article = "article"
    ugc = "ugc"


class ContentStatus(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    rejected = "rejected"
    scheduled = "scheduled"
    on_hold = "on_hold"
    publishing = "publishing"
    published = "published"
    archived = "archived"


class ContentItem(TenantOwned, Versioned, Base):
    __tablename__ = "content_items"
    __table_args__ = (
        tenant_listing_index("content_items"),
        sa.Index("ix_content_items_workspace_id_scheduled_at", "workspace_id", "scheduled_at"),
        # The calendar newest first, unscheduled items last (`sort=-scheduled_at`): the
        # index above, read backwards, would put them first.
        sa.Index(
            "ix_content_items_calendar_descending",
            "workspace_id",
            sa.text("scheduled_at DESC NULLS LAST"),
            sa.text("id DESC"),
        ),
        sa.Index("ix_content_items_campaign_id", "campaign_id"),
        sa.Index(
            "ix_content_items_scheduled_due",
            "scheduled_at",
            postgresql_where=sa.text("status = 'scheduled'"),
        ),
        sa.CheckConstraint("production_cost >= 0", name="production_cost_non_negative"),
        sa.Index(
            "ix_content_items_held_by_alert_id",
            "held_by_alert_id",
            postgresql_where=sa.text("held_by_alert_id IS NOT NULL"),
        ),
        tenant_key("social_account_id", "social_accounts", ondelete="RESTRICT"),
        # Deleting a campaign nulls its items' `campaign_id` first (campaigns.service):
        # Citus refuses ON DELETE SET NULL on a key holding the distribution column.
        tenant_key("campaign_id", "campaigns", ondelete=None),
    )

    social_account_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: Copied from the social account so calendar filters need no join.
    platform: Mapped[Platform] = mapped_column(str_enum(Platform))
    format: Mapped[ContentFormat] = mapped_column(str_enum(ContentFormat))
    status: Mapped[ContentStatus] = mapped_column(str_enum(ContentStatus))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    caption: Mapped[str | None] = mapped_column(sa.Text)
    media_urls: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    link_url: Mapped[str | None] = mapped_column(sa.Text)
    cta: Mapped[str | None] = mapped_column(sa.String(64))
    paid: Mapped[bool] = mapped_column(sa.Boolean)
    production_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric())
    ab_test_group: Mapped[str | None] = mapped_column(sa.String(100))
    variant: Mapped[str | None] = mapped_column(sa.String(50))
    scheduled_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    #: Where the KPI reads place its earliest snapshot (`shared/kpis/booking.py`): when
    #: its production cost is booked if it is never marked published. Kept by the merge.
    first_reported_at: Mapped[datetime | None]
    external_post_id: Mapped[str | None] = mapped_column(sa.String(200))
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    #: The crisis alert that put the item `on_hold` (CRI-4); its resolution releases it.
    held_by_alert_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
