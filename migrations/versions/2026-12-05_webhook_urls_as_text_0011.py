"""Webhook endpoint URLs as text: a URL is capped at 2,048 characters as sent, and its
normalised form (percent-encoded path, punycode host) may be longer; a varchar(2048) made
such a URL a 500 (issue 15, schemathesis).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("webhook_endpoints", "url", type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    op.alter_column(
        "webhook_endpoints", "url", type_=sa.String(length=2048), existing_nullable=False
    )
