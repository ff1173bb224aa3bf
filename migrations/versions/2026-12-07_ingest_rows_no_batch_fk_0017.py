"""`ingest_rows` without its foreign key to `ingest_batches` (issue 19, PERF-1).

The key was checked once per staged row: 10,000 trigger calls per batch, half the COPY's
time in PostgreSQL, to protect rows the same transaction writes right after their batch.
The worker deletes them once merged; nothing deletes a batch.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("ingest_rows_batch_id_fkey", "ingest_rows", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key(
        "ingest_rows_batch_id_fkey",
        "ingest_rows",
        "ingest_batches",
        ["batch_id"],
        ["id"],
        ondelete="CASCADE",
    )
