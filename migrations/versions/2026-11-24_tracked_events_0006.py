"""tracked events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:07:27.534434+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visitor_id", sa.String(length=200), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "impression",
                "engagement",
                "click",
                "visit",
                "add_to_cart",
                "lead",
                "purchase",
                name="eventtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("content_item_id", sa.Uuid(), nullable=True),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "event_id", "occurred_at", name=op.f("events_pkey")
        ),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index(
        "ix_events_workspace_id_type_occurred_at",
        "events",
        ["workspace_id", "type", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_events_workspace_id_visitor_id_occurred_at",
        "events",
        ["workspace_id", "visitor_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "visitors",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.String(length=200), nullable=False),
        sa.Column("email_sha256", sa.String(length=64), nullable=True),
        sa.Column("phone_sha256", sa.String(length=64), nullable=True),
        sa.Column("contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("visitors_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "visitor_id", name=op.f("visitors_pkey")),
    )


def downgrade() -> None:
    op.drop_table("visitors")
    op.drop_index("ix_events_workspace_id_visitor_id_occurred_at", table_name="events")
    op.drop_index("ix_events_workspace_id_type_occurred_at", table_name="events")
    op.drop_table("events")
