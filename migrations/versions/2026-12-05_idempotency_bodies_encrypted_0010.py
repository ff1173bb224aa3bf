"""Idempotency bodies encrypted at rest (SEC-4, issue 15 F2): a marker per record.

Records written before are plaintext (`body_encrypted` false) and replay as stored until
they expire, at most `IDEMPOTENCY_TTL_HOURS` later. The column keeps no default: every
write says what it stored.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:16:47.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "idempotency_records",
        sa.Column("body_encrypted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.alter_column("idempotency_records", "body_encrypted", server_default=None)


def downgrade() -> None:
    # The code before this revision would replay the ciphertext as the body: drop those
    # records (a retry runs again) rather than answer a Fernet token.
    op.execute("DELETE FROM idempotency_records WHERE body_encrypted")
    op.drop_column("idempotency_records", "body_encrypted")
