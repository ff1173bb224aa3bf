from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_listing_index


class Platform(enum.StrEnum):
    facebook = "facebook"
    instagram = "instagram"
    linkedin = "linkedin"
    tiktok = "tiktok"
    x = "x"
    youtube = "youtube"
    pinterest = "pinterest"
    reddit = "reddit"


class SocialAccount(TenantOwned, Versioned, Base):
    __tablename__ = "social_accounts"
    __table_args__ = (
        tenant_listing_index("social_accounts"),
        sa.UniqueConstraint("workspace_id", "platform", "external_id"),
    )

    platform: Mapped[Platform] = mapped_column(str_enum(Platform))
    handle: Mapped[str] = mapped_column(sa.String(200))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
