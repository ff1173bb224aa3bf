"""listening and crisis

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 01:15:41.976576+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_policies",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("term_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("baseline_days", sa.Integer(), nullable=False),
        sa.Column("min_mentions", sa.Integer(), nullable=False),
        sa.Column("levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cooldown_minutes", sa.Integer(), nullable=False),
        sa.Column("playbook", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("freeze_publishing_at", sa.String(length=40), nullable=True),
        sa.Column("freeze_campaign_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("escalation_policies_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("escalation_policies_pkey")),
    )
    op.create_index(
        "ix_escalation_policies_workspace_id_created_at_id",
        "escalation_policies",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "mentions",
        sa.Column(
            "platform",
            sa.Enum(
                "facebook",
                "instagram",
                "linkedin",
                "tiktok",
                "x",
                "youtube",
                "pinterest",
                name="platform",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("author_handle", sa.String(length=200), nullable=False),
        sa.Column("author_followers", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "language",
            sa.Enum("fr", "en", name="language", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("language_given", sa.Boolean(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column(
            "sentiment_label",
            sa.Enum(
                "negative",
                "neutral",
                "positive",
                name="sentimentlabel",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "sentiment_source",
            sa.Enum("source", "analyser", name="sentimentsource", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column(
            "term_ids", postgresql.ARRAY(sa.Uuid()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "hashtags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("is_question", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "assigned",
                "responded",
                "ignored",
                "escalated",
                name="mentionstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("needs_response", sa.Boolean(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("mentions_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("mentions_pkey")),
        sa.UniqueConstraint(
            "workspace_id",
            "platform",
            "external_id",
            name=op.f("mentions_workspace_id_platform_external_id_key"),
        ),
    )
    op.create_index("ix_mentions_batch_id", "mentions", ["batch_id"], unique=False)
    op.create_index(
        "ix_mentions_workspace_id_created_at_id",
        "mentions",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_mentions_workspace_id_posted_at",
        "mentions",
        ["workspace_id", "posted_at"],
        unique=False,
    )
    op.create_table(
        "tracked_terms",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("brand", "competitor", name="termkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("synonyms", postgresql.ARRAY(sa.String(length=200)), nullable=False),
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
            name=op.f("tracked_terms_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("tracked_terms_pkey")),
        sa.UniqueConstraint(
            "workspace_id", "term", name=op.f("tracked_terms_workspace_id_term_key")
        ),
    )
    op.create_index(
        "ix_tracked_terms_workspace_id_created_at_id",
        "tracked_terms",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "alerts",
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column("policy_name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "acknowledged", "resolved", name="alertstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=20), nullable=True),
        sa.Column("metrics", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("escalations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sample_mention_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("playbook", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("postmortem", sa.Text(), nullable=True),
        sa.Column("freezing", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("freeze_campaign_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("alerts_policy_id_fkey"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("alerts_workspace_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("alerts_pkey")),
    )
    op.create_index(
        "ix_alerts_policy_id_unresolved",
        "alerts",
        ["policy_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_index(
        "ix_alerts_workspace_id_created_at_id",
        "alerts",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.add_column("content_items", sa.Column("held_by_alert_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_content_items_held_by_alert_id",
        "content_items",
        ["held_by_alert_id"],
        unique=False,
        postgresql_where=sa.text("held_by_alert_id IS NOT NULL"),
    )
    op.add_column(
        "ingest_batches",
        sa.Column(
            "kind",
            sa.Enum("metric_snapshots", "mentions", name="batchkind", native_enum=False, length=32),
            server_default="metric_snapshots",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("ingest_batches", "kind")
    op.drop_index(
        "ix_content_items_held_by_alert_id",
        table_name="content_items",
        postgresql_where=sa.text("held_by_alert_id IS NOT NULL"),
    )
    op.drop_column("content_items", "held_by_alert_id")
    op.drop_index("ix_alerts_workspace_id_created_at_id", table_name="alerts")
    op.drop_index(
        "ix_alerts_policy_id_unresolved",
        table_name="alerts",
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.drop_table("alerts")
    op.drop_index("ix_tracked_terms_workspace_id_created_at_id", table_name="tracked_terms")
    op.drop_table("tracked_terms")
    op.drop_index("ix_mentions_workspace_id_posted_at", table_name="mentions")
    op.drop_index("ix_mentions_workspace_id_created_at_id", table_name="mentions")
    op.drop_index("ix_mentions_batch_id", table_name="mentions")
    op.drop_table("mentions")
    op.drop_index(
        "ix_escalation_policies_workspace_id_created_at_id", table_name="escalation_policies"
    )
    op.drop_table("escalation_policies")
