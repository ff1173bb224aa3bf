"""metric snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:53:20.912554+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column(
            "granularity",
            sa.Enum("hour", "day", name="granularity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_item_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("engagements", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("video_views", sa.BigInteger(), nullable=True),
        sa.Column("leads", sa.BigInteger(), nullable=True),
        sa.Column("conversions", sa.BigInteger(), nullable=True),
        sa.Column("spend", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("conversion_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("batch_seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "target_id",
            "granularity",
            "period_start",
            name=op.f("metric_snapshots_pkey"),
        ),
        postgresql_partition_by="RANGE (period_start)",
    )
    op.create_index(
        "ix_metric_snapshots_workspace_id_campaign_id_period_start",
        "metric_snapshots",
        ["workspace_id", "campaign_id", "period_start"],
        unique=False,
    )
    op.create_table(
        "ingest_batches",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="ingeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=True),
        sa.Column("updated", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=4000), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("ingest_batches_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("ingest_batches_pkey")),
        sa.UniqueConstraint("seq", name=op.f("ingest_batches_seq_key")),
    )
    op.create_index(
        "ix_ingest_batches_workspace_id_created_at_id",
        "ingest_batches",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "ingest_rows",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content_item_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column(
            "granularity",
            sa.Enum("hour", "day", name="granularity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("engagements", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("video_views", sa.BigInteger(), nullable=True),
        sa.Column("leads", sa.BigInteger(), nullable=True),
        sa.Column("conversions", sa.BigInteger(), nullable=True),
        sa.Column("spend", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("conversion_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["ingest_batches.id"],
            name=op.f("ingest_rows_batch_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "seq", name=op.f("ingest_rows_pkey")),
    )


def downgrade() -> None:
    op.drop_table("ingest_rows")
    op.drop_index("ix_ingest_batches_workspace_id_created_at_id", table_name="ingest_batches")
    op.drop_table("ingest_batches")
    op.drop_index(
        "ix_metric_snapshots_workspace_id_campaign_id_period_start", table_name="metric_snapshots"
    )
    op.drop_table("metric_snapshots")
