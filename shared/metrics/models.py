"""Metric snapshots (docs/contract.md, ING-1..ING-5): ingest batches, their durable rows,
the merged table."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.content.models import ContentFormat
from shared.db.base import Base, str_enum, utcnow
from shared.social_accounts.models import Platform

#: Integer counters a platform may report; an unreported one is NULL, never 0 (ING-1).
COUNTERS = (
    "impressions",
    "reach",
    "engagements",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "video_views",
    "leads",
    "conversions",
)
#: Money counters: decimals with their currency's places (`shared.money`).
AMOUNTS = ("spend", "conversion_value")
MEASURES = COUNTERS + AMOUNTS


class Reason(enum.StrEnum):
    """Why a counter is null (issue 21): the platform retired the metric, did not report
    it for this object or day, or refused it to our token. A null without a reason is a
    counter the source did not send and said nothing about."""

    deprecated = "deprecated"
    not_provided = "not_provided"
    permission = "permission"


class Granularity(enum.StrEnum):
    hour = "hour"
    day = "day"


class Measures:
    """What a platform reports for a bucket: staged rows and merged snapshots alike."""

    impressions: Mapped[int | None] = mapped_column(sa.BigInteger)
    reach: Mapped[int | None] = mapped_column(sa.BigInteger)
    engagements: Mapped[int | None] = mapped_column(sa.BigInteger)
    likes: Mapped[int | None] = mapped_column(sa.BigInteger)
    comments: Mapped[int | None] = mapped_column(sa.BigInteger)
    shares: Mapped[int | None] = mapped_column(sa.BigInteger)
    saves: Mapped[int | None] = mapped_column(sa.BigInteger)
    clicks: Mapped[int | None] = mapped_column(sa.BigInteger)
    video_views: Mapped[int | None] = mapped_column(sa.BigInteger)
    leads: Mapped[int | None] = mapped_column(sa.BigInteger)
    conversions: Mapped[int | None] = mapped_column(sa.BigInteger)
    spend: Mapped[Decimal | None] = mapped_column(sa.Numeric())
    conversion_value: Mapped[Decimal | None] = mapped_column(sa.Numeric())
    source: Mapped[str | None] = mapped_column(sa.String(100))
    #: {counter: Reason} for the null counters whose source said why.
    unreported: Mapped[dict[str, str] | None] = mapped_column(JSONB)


class IngestRow(Measures, Base):
    """A validated row of a batch, written by COPY in the request's transaction: durable
    before the `202`, merged (and deleted) by the worker.

    No foreign key to its batch: the same transaction writes the batch, then its rows,
    and a per-row check took half the COPY's time in PostgreSQL (PERF-1)."""

    __tablename__ = "ingest_rows"

    batch_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    content_item_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    granularity: Mapped[Granularity] = mapped_column(str_enum(Granularity))
    period_start: Mapped[datetime]


class MetricSnapshot(Measures, Base):
    """What a platform reported for one target and bucket, after merging.

    Partitioned by month of `period_start` (partitions made on demand by the merge and
    ahead of time by a cron), keyed `workspace_id` first: the distribution key if the
    table ever moves to Citus. No foreign keys: ids are checked at ingestion, and a
    per-row FK check would cost the bulk merge more than it protects.
    """

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        sa.PrimaryKeyConstraint("workspace_id", "target_id", "granularity", "period_start"),
        sa.Index(
            "ix_metric_snapshots_workspace_id_campaign_id_period_start",
            "workspace_id",
            "campaign_id",
            "period_start",
        ),
        # KPI reads of the partial days at a window's edges, and listings by time. The
        # rest of the key is in it, so a merge's lookup by key through it hits one row.
        sa.Index(
            "ix_metric_snapshots_workspace_id_period_start",
            "workspace_id",
            "period_start",
            "target_id",
            "granularity",
        ),
        {"postgresql_partition_by": "RANGE (period_start)"},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: The content item's id, or the campaign's for a campaign-level row.
    target_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    granularity: Mapped[Granularity] = mapped_column(str_enum(Granularity))
    period_start: Mapped[datetime]
    content_item_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: The campaign of the row: its own for campaign-level rows, the content item's (at
    #: merge time) otherwise.
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: The content item's platform, format and paid flag at merge (rollup dimensions);
    #: null on campaign-level rows.
    platform: Mapped[Platform | None] = mapped_column(str_enum(Platform))
    format: Mapped[ContentFormat | None] = mapped_column(str_enum(ContentFormat))
    paid: Mapped[bool | None] = mapped_column(sa.Boolean)
    batch_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: `seq` of that batch: an earlier batch merged late never overwrites a later one.
    batch_seq: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
