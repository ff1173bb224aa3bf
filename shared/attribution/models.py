"""Attribution runs (ATT-1, ATT-3): asked by the API, computed by the worker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, str_enum, tenant_listing_index
from shared.jobs.work import IngestStatus as RunStatus


class AttributionRun(TenantOwned, Base):
    __tablename__ = "attribution_runs"
    __table_args__ = (tenant_listing_index("attribution_runs"),)

    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus))
    #: The request as validated (from, to, conversion types, lookback, models...).
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    path_count: Mapped[int | None] = mapped_column(sa.Integer)
    conversion_count: Mapped[int | None] = mapped_column(sa.Integer)
    #: `{model: {dimension: [{key, conversions, value, share}]}}`.
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    #: Markov's removal effect of each channel.
    removal_effects: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(sa.String(4000))
    finished_at: Mapped[datetime | None]
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
