"""Why a counter is null (issue 21): `unreported` ({counter: reason}) on staged rows and
snapshots, and per counter and reason the count of snapshots in each rollup row, so KPI
coverage says why a share of snapshots did not report a counter.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 07:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
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
    "spend",
    "conversion_value",
)
REASONS = ("deprecated", "not_provided", "permission")


def upgrade() -> None:
    for table in ("ingest_rows", "metric_snapshots"):
        op.add_column(table, sa.Column("unreported", postgresql.JSONB(), nullable=True))
    for name in MEASURES:
        for reason in REASONS:
            op.add_column(
                "metric_rollups",
                sa.Column(f"{name}_{reason}", sa.BigInteger, nullable=False, server_default="0"),
            )


def downgrade() -> None:
    for name in MEASURES:
        for reason in REASONS:
            op.drop_column("metric_rollups", f"{name}_{reason}")
    for table in ("ingest_rows", "metric_snapshots"):
        op.drop_column(table, "unreported")
