"""Platform credentials and a sync schedule on social accounts (issue 21): an encrypted
OAuth access token and its expiry, the API version pulled, whether the connection still
works, and when the worker pulls next; a partial index finds the accounts due.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 08:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("social_accounts", sa.Column("access_token_encrypted", sa.Text()))
    op.add_column("social_accounts", sa.Column("token_expires_at", STAMP))
    op.add_column("social_accounts", sa.Column("api_version", sa.String(16)))
    op.add_column("social_accounts", sa.Column("connection", sa.String(32)))
    op.add_column("social_accounts", sa.Column("sync_interval_minutes", sa.Integer()))
    op.add_column("social_accounts", sa.Column("next_sync_at", STAMP))
    op.add_column("social_accounts", sa.Column("last_synced_at", STAMP))
    op.add_column("social_accounts", sa.Column("last_sync_error", sa.Text()))
    op.create_index(
        "ix_social_accounts_sync_due",
        "social_accounts",
        ["next_sync_at"],
        postgresql_where=sa.text("connection = 'connected'"),
    )


def downgrade() -> None:
    op.drop_index("ix_social_accounts_sync_due", table_name="social_accounts")
    for column in (
        "last_sync_error",
        "last_synced_at",
        "next_sync_at",
        "sync_interval_minutes",
        "connection",
        "api_version",
        "token_expires_at",
        "access_token_encrypted",
    ):
        op.drop_column("social_accounts", column)
