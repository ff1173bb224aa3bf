"""Money kept with its currency's places: amounts become unconstrained `numeric`, which
stores a value with exactly the scale it was written with. The services write each amount
with its currency's ISO 4217 places (JPY 0, EUR 2, TND 3), so "12.345" dinars are kept
whole instead of rounded to 12.35, and answers read them back as written (issue 17).

Relaxing a numeric's precision rewrites nothing in PostgreSQL; existing amounts keep the
two places they were stored with.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 04:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The rollups' money sums, as `shared/kpis/measures.py` named them at this revision.
ROLLUP_AMOUNTS = (
    "conversion_value",
    "conversion_value_spend_den",
    "conversion_value_spend_num",
    "spend",
    "spend_clicks_num",
    "spend_conversions_num",
    "spend_impressions_num",
    "spend_leads_num",
)
COLUMNS = (
    ("campaigns", "budget", 14, True),
    ("content_items", "production_cost", 14, True),
    ("events", "value", 14, True),
    ("ingest_rows", "spend", 14, True),
    ("ingest_rows", "conversion_value", 14, True),
    ("metric_snapshots", "spend", 14, True),
    ("metric_snapshots", "conversion_value", 14, True),
    *(("metric_rollups", name, 18, False) for name in ROLLUP_AMOUNTS),
)


def upgrade() -> None:
    for table, column, precision, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.Numeric(),
            existing_type=sa.Numeric(precision, 2),
            existing_nullable=nullable,
        )


def downgrade() -> None:
    for table, column, precision, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.Numeric(precision, 2),
            existing_type=sa.Numeric(),
            existing_nullable=nullable,
        )
