"""Event ids kept once per workspace (EVT-1); a time per contact point on visitors.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 04:41:50.851030+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_keys",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("event_keys_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "event_id", name=op.f("event_keys_pkey")),
    )
    # An id stored twice already (at two times) keeps its earliest event as its key.
    op.execute(
        "INSERT INTO event_keys (workspace_id, event_id, occurred_at) "
        "SELECT DISTINCT ON (workspace_id, event_id) workspace_id, event_id, occurred_at "
        "FROM events e WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = e.workspace_id) "
        "ORDER BY workspace_id, event_id, occurred_at"
    )
    op.add_column("visitors", sa.Column("email_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("visitors", sa.Column("phone_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE visitors SET "
        "email_at = CASE WHEN email_sha256 IS NOT NULL THEN contact_at END, "
        "phone_at = CASE WHEN phone_sha256 IS NOT NULL THEN contact_at END "
        "WHERE contact_at IS NOT NULL"
    )
    op.drop_column("visitors", "contact_at")


def downgrade() -> None:
    op.add_column(
        "visitors",
        sa.Column(
            "contact_at", postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True
        ),
    )
    op.execute("UPDATE visitors SET contact_at = greatest(email_at, phone_at)")
    op.drop_column("visitors", "phone_at")
    op.drop_column("visitors", "email_at")
    op.drop_table("event_keys")
