"""segments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 02:39:16.170710+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audience_members",
        sa.Column("audience_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("touches", sa.Integer(), nullable=False),
        sa.Column(
            "tier",
            sa.Enum("cold", "warm", "hot", name="tier", native_enum=False, length=32),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["audiences.id"],
            name=op.f("audience_members_audience_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audience_id", "visitor_id", name=op.f("audience_members_pkey")),
    )
    op.create_index(
        "ix_audience_members_audience_id_tier",
        "audience_members",
        ["audience_id", "tier"],
        unique=False,
    )
    op.create_table(
        "audience_refreshes",
        sa.Column("audience_id", sa.Uuid(), nullable=False),
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
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("previous_size", sa.BigInteger(), nullable=True),
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
            ["audience_id"],
            ["audiences.id"],
            name=op.f("audience_refreshes_audience_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("audience_refreshes_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("audience_refreshes_pkey")),
    )
    op.create_index(
        "ix_audience_refreshes_audience_id_created_at",
        "audience_refreshes",
        ["audience_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_audience_refreshes_workspace_id_created_at_id",
        "audience_refreshes",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.add_column(
        "audiences",
        sa.Column("tier_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("audiences", "tier_counts")
    op.drop_index(
        "ix_audience_refreshes_workspace_id_created_at_id", table_name="audience_refreshes"
    )
    op.drop_index("ix_audience_refreshes_audience_id_created_at", table_name="audience_refreshes")
    op.drop_table("audience_refreshes")
    op.drop_index("ix_audience_members_audience_id_tier", table_name="audience_members")
    op.drop_table("audience_members")
