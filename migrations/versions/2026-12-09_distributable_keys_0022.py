"""Keys Citus can distribute by `workspace_id` (issue 22): every tenant table has the
column, every primary and unique key holds it, every foreign key between tenant tables
pairs it, and nothing is SET NULL or fired by a trigger.

- `campaign_audiences`, `webhook_attempts` and `ingest_rows` gain `workspace_id`, filled
  from their parent.
- Primary keys on `id` become `(id, workspace_id)`: `id` stays first, so a lookup by id
  alone still uses the key's index on plain PostgreSQL.
- Foreign keys on ids become `(workspace_id, x) -> parent (workspace_id, id)`. The two SET
  NULL keys (`content_items.campaign_id`, `alerts.policy_id`) become NO ACTION: the
  services null the column before deleting the parent (Citus refuses SET NULL on a key
  holding the distribution column).
- The `outbox_events_notify` trigger goes: the unit of work that emits events sends the
  NOTIFY itself, still delivered at COMMIT (a trigger would fire on Citus's workers,
  whose NOTIFY no dispatcher hears).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-09 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables keyed by their own `id`.
OWN_ID = (
    "alerts",
    "api_keys",
    "attribution_runs",
    "audience_refreshes",
    "audiences",
    "campaigns",
    "content_items",
    "escalation_policies",
    "ingest_batches",
    "jobs",
    "mentions",
    "metric_rollups",
    "outbox_events",
    "social_accounts",
    "tracked_terms",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
)
#: Tables keyed by other columns: (table, old key, new key).
OTHER_KEYS = (
    ("audience_members", ("audience_id", "visitor_id")),
    ("campaign_audiences", ("campaign_id", "audience_id")),
    ("ingest_rows", ("batch_id", "seq")),
    ("kpi_target_misses", ("campaign_id", "kpi", "day")),
)
#: The new child tables' column, from (parent, child's column naming the parent).
BACKFILL = (
    ("campaign_audiences", "campaigns", "campaign_id"),
    ("webhook_attempts", "webhook_deliveries", "delivery_id"),
    ("ingest_rows", "ingest_batches", "batch_id"),
)
#: (table, column, parent, ON DELETE now, ON DELETE before).
FOREIGN_KEYS = (
    ("alerts", "policy_id", "escalation_policies", "NO ACTION", "SET NULL"),
    ("audience_members", "audience_id", "audiences", "CASCADE", "CASCADE"),
    ("audience_refreshes", "audience_id", "audiences", "CASCADE", "CASCADE"),
    ("audiences", "source_audience_id", "audiences", "RESTRICT", "RESTRICT"),
    ("campaign_audiences", "campaign_id", "campaigns", "CASCADE", "CASCADE"),
    ("campaign_audiences", "audience_id", "audiences", "CASCADE", "CASCADE"),
    ("content_items", "campaign_id", "campaigns", "NO ACTION", "SET NULL"),
    ("content_items", "social_account_id", "social_accounts", "RESTRICT", "RESTRICT"),
    ("kpi_target_misses", "campaign_id", "campaigns", "CASCADE", "CASCADE"),
    ("webhook_attempts", "delivery_id", "webhook_deliveries", "CASCADE", "CASCADE"),
    ("webhook_deliveries", "endpoint_id", "webhook_endpoints", "CASCADE", "CASCADE"),
    ("webhook_deliveries", "event_id", "outbox_events", "CASCADE", "CASCADE"),
)
#: (table, old unique constraint, its columns); each gains `workspace_id` last.
UNIQUES = (
    ("api_keys", "api_keys_key_hash_key", ("key_hash",)),
    ("ingest_batches", "ingest_batches_seq_key", ("seq",)),
    (
        "webhook_deliveries",
        "webhook_deliveries_event_id_endpoint_id_key",
        ("event_id", "endpoint_id"),
    ),
)
_UNRESOLVED = "status <> 'resolved'"


def _unique_name(table: str, columns: Sequence[str]) -> str:
    return f"{table}_{'_'.join(columns)}_key"


def upgrade() -> None:
    for table, parent, column in BACKFILL:
        op.add_column(table, sa.Column("workspace_id", sa.Uuid(), nullable=True))
        op.execute(
            f"UPDATE {table} c SET workspace_id = p.workspace_id FROM {parent} p "
            f"WHERE p.id = c.{column}"
        )
        # ingest_rows has no key to its batch (PERF-1): a row whose batch is gone is dead.
        op.execute(f"DELETE FROM {table} WHERE workspace_id IS NULL")
        op.alter_column(table, "workspace_id", existing_type=sa.Uuid(), nullable=False)
    for table in ("campaign_audiences", "webhook_attempts"):
        op.create_foreign_key(
            f"{table}_workspace_id_fkey",
            table,
            "workspaces",
            ["workspace_id"],
            ["id"],
            ondelete="CASCADE",
        )
    for table, column, *_ in FOREIGN_KEYS:
        op.drop_constraint(f"{table}_{column}_fkey", table, type_="foreignkey")
    for table in OWN_ID:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
            f"ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, workspace_id)"
        )
    for table, key in OTHER_KEYS:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
            f"ADD CONSTRAINT {table}_pkey PRIMARY KEY ({', '.join(key)}, workspace_id)"
        )
    for table, name, columns in UNIQUES:
        op.drop_constraint(name, table, type_="unique")
        op.create_unique_constraint(
            _unique_name(table, (*columns, "workspace_id")), table, [*columns, "workspace_id"]
        )
    op.drop_index("ix_alerts_policy_id_unresolved", table_name="alerts")
    op.create_index(
        "ix_alerts_policy_id_workspace_id_unresolved",
        "alerts",
        ["policy_id", "workspace_id"],
        unique=True,
        postgresql_where=sa.text(_UNRESOLVED),
    )
    for table, column, parent, ondelete, _ in FOREIGN_KEYS:
        op.create_foreign_key(
            f"{table}_workspace_id_{column}_fkey",
            table,
            parent,
            ["workspace_id", column],
            ["workspace_id", "id"],
            ondelete=None if ondelete == "NO ACTION" else ondelete,
        )
    op.execute("DROP TRIGGER outbox_events_notify ON outbox_events")
    op.execute("DROP FUNCTION notify_outbox_events()")


def downgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION notify_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('smm_webhooks', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_events()"
    )
    for table, column, *_ in FOREIGN_KEYS:
        op.drop_constraint(f"{table}_workspace_id_{column}_fkey", table, type_="foreignkey")
    op.drop_index("ix_alerts_policy_id_workspace_id_unresolved", table_name="alerts")
    op.create_index(
        "ix_alerts_policy_id_unresolved",
        "alerts",
        ["policy_id"],
        unique=True,
        postgresql_where=sa.text(_UNRESOLVED),
    )
    for table, name, columns in UNIQUES:
        op.drop_constraint(_unique_name(table, (*columns, "workspace_id")), table, type_="unique")
        op.create_unique_constraint(name, table, list(columns))
    for table, key in OTHER_KEYS:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
            f"ADD CONSTRAINT {table}_pkey PRIMARY KEY ({', '.join(key)})"
        )
    for table in OWN_ID:
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
            f"ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)"
        )
    for table, column, parent, _, ondelete in FOREIGN_KEYS:
        op.create_foreign_key(
            f"{table}_{column}_fkey", table, parent, [column], ["id"], ondelete=ondelete
        )
    for table in ("campaign_audiences", "webhook_attempts"):
        op.drop_constraint(f"{table}_workspace_id_fkey", table, type_="foreignkey")
    for table, _, _ in BACKFILL:
        op.drop_column(table, "workspace_id")
