from __future__ import annotations

import enum
from datetime import datetime

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


class Connection(enum.StrEnum):
    """Whether the account's platform credentials still work (issue 21)."""

    connected = "connected"
    needs_reauth = "needs_reauth"


class SocialAccount(TenantOwned, Versioned, Base):
    __tablename__ = "social_accounts"
    __table_args__ = (
        tenant_listing_index("social_accounts"),
        sa.UniqueConstraint("workspace_id", "platform", "external_id"),
        sa.Index(
            "ix_social_accounts_sync_due",
            "next_sync_at",
            postgresql_where=sa.text("connection = 'connected'"),
        ),
    )

    platform: Mapped[Platform] = mapped_column(str_enum(Platform))
    handle: Mapped[str] = mapped_column(sa.String(200))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: The platform's OAuth access token, Fernet-encrypted under SECRETS_KEY like webhook
    #: secrets: the worker needs it back to call the platform; the API never shows it.
    access_token_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    token_expires_at: Mapped[datetime | None]
    #: The platform API version the pulls ask for (`v23.0`).
    api_version: Mapped[str | None] = mapped_column(sa.String(16))
    connection: Mapped[Connection | None] = mapped_column(str_enum(Connection))
    #: Minutes between pulls; null: the account is never pulled.
    sync_interval_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    next_sync_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    last_sync_error: Mapped[str | None] = mapped_column(sa.Text)
