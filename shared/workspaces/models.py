from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import (
    Base,
    TenantOwned,
    Timestamped,
    Versioned,
    str_enum,
    tenant_listing_index,
)


class Role(enum.StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Workspace(Timestamped, Versioned, Base):
    __tablename__ = "workspaces"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )


class ApiKey(TenantOwned, Base):
    """Only the SHA-256 of the key is kept: keys carry 256 random bits, so a slow hash adds
    nothing but latency to every request."""

    __tablename__ = "api_keys"
    __table_args__ = (tenant_listing_index("api_keys"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
