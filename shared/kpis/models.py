"""Pre-aggregated snapshots (PERF-2) and the record of targets already reported missed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.content.models import ContentFormat
from shared.db.base import Base, str_enum, tenant_key, utcnow
from shared.kpis.measures import MONEY_COLUMNS, SUM_COLUMNS
from shared.metrics.models import Granularity
from shared.social_accounts.models import Platform

#: The dimensions a rollup row is keyed by, after the workspace, span and bucket.
DIMENSIONS = ("granularity", "level", "campaign_id", "platform", "format", "paid")

#: Sums of `metric_snapshots` per workspace, local day or month (`span`, `bucket` in the
#: workspace's time zone) and dimensions, kept current by every merge. A KPI read adds
#: whole months, then whole days, then the snapshots of the partial days at its edges.
#: Content-item rows have `level = 'content_item'`; campaign-level rows have
#: `level = 'campaign'` and no platform, format or paid.
metric_rollups = sa.Table(
    "metric_rollups",
    Base.metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("workspace_id", sa.Uuid, primary_key=True, nullable=False),
    sa.Column("span", sa.String(8), nullable=False),
    sa.Column("bucket", sa.Date, nullable=False),
    sa.Column("granularity", str_enum(Granularity), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("campaign_id", sa.Uuid),
    sa.Column("platform", str_enum(Platform)),
    sa.Column("format", str_enum(ContentFormat)),
    sa.Column("paid", sa.Boolean),
    *(
        sa.Column(
            name,
            sa.Numeric() if name in MONEY_COLUMNS else sa.BigInteger,
            nullable=False,
            server_default="0",
        )
        for name in SUM_COLUMNS
    ),
    sa.Index(
        "ix_metric_rollups_key",
        "workspace_id",
        "span",
        "granularity",
        "level",
        "bucket",
        "campaign_id",
        "platform",
        "format",
        "paid",
        unique=True,
        postgresql_nulls_not_distinct=True,
    ),
)


class KpiTargetMiss(Base):
    """`kpi.target_missed` is emitted once per campaign, KPI and (workspace-local) day."""

    __tablename__ = "kpi_target_misses"

    __table_args__ = (tenant_key("campaign_id", "campaigns"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    kpi: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
