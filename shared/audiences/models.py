from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_key, tenant_listing_index


class AudienceKind(enum.StrEnum):
    saved = "saved"
    retargeting = "retargeting"
    lookalike = "lookalike"


class Audience(TenantOwned, Versioned, Base):
    """`definition` holds the kind's validated body: targeting rules, segment rule, or
    lookalike seed; its shape is owned by `shared.audiences.schemas`."""

    __tablename__ = "audiences"
    __table_args__ = (
        tenant_listing_index("audiences"),
        tenant_key("source_audience_id", "audiences", ondelete="RESTRICT"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AudienceKind] = mapped_column(str_enum(AudienceKind))
    description: Mapped[str | None] = mapped_column(sa.Text)
    platforms: Mapped[list[str]] = mapped_column(ARRAY(sa.String(32)))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source_audience_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    refresh_every_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    computed_at: Mapped[datetime | None]
    #: Members per engagement tier at the last refresh (SEG-2), when the rule tiers.
    tier_counts: Mapped[dict[str, int] | None] = mapped_column(JSONB)
