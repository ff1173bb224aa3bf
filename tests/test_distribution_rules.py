"""The schema against the rules of a Citus distribution by `workspace_id` (issue 22),
on plain PostgreSQL (`shared/db/distribution.py`).

The migrations at head still break some rules: `KNOWN` lists each one, and the migrations
that make the schema distributable take them off. The list must be exact, so a new
migration cannot add a break unnoticed, and a fixed one cannot stay listed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.db.distribution import Violation, violations
from shared.db.migrate import upgrade
from tests.harness import Services
from tests.helpers import databases

#: The rules the schema breaks today (docs/research/citus-distribution.md says how each
#: is to be fixed). Empty is the goal: then `make test-citus` can distribute it.
KNOWN: set[Violation] = {
    Violation(
        "SET NULL/SET DEFAULT/ON UPDATE CASCADE (Citus refuses)", "alerts", "alerts_policy_id_fkey"
    ),
    Violation(
        "SET NULL/SET DEFAULT/ON UPDATE CASCADE (Citus refuses)",
        "content_items",
        "content_items_campaign_id_fkey",
    ),
    Violation("foreign key not on distribution column", "alerts", "alerts_policy_id_fkey"),
    Violation(
        "foreign key not on distribution column",
        "audience_members",
        "audience_members_audience_id_fkey",
    ),
    Violation(
        "foreign key not on distribution column",
        "audience_refreshes",
        "audience_refreshes_audience_id_fkey",
    ),
    Violation(
        "foreign key not on distribution column", "audiences", "audiences_source_audience_id_fkey"
    ),
    Violation(
        "foreign key not on distribution column", "content_items", "content_items_campaign_id_fkey"
    ),
    Violation(
        "foreign key not on distribution column",
        "content_items",
        "content_items_social_account_id_fkey",
    ),
    Violation(
        "foreign key not on distribution column",
        "kpi_target_misses",
        "kpi_target_misses_campaign_id_fkey",
    ),
    Violation(
        "foreign key not on distribution column",
        "webhook_deliveries",
        "webhook_deliveries_endpoint_id_fkey",
    ),
    Violation(
        "foreign key not on distribution column",
        "webhook_deliveries",
        "webhook_deliveries_event_id_fkey",
    ),
    Violation("no workspace_id and not an allowed reference table", "campaign_audiences", ""),
    Violation("no workspace_id and not an allowed reference table", "ingest_rows", ""),
    Violation("no workspace_id and not an allowed reference table", "webhook_attempts", ""),
    Violation(
        "reference table -> distributed table FK",
        "campaign_audiences",
        "campaign_audiences_audience_id_fkey",
    ),
    Violation(
        "reference table -> distributed table FK",
        "campaign_audiences",
        "campaign_audiences_campaign_id_fkey",
    ),
    Violation(
        "reference table -> distributed table FK",
        "webhook_attempts",
        "webhook_attempts_delivery_id_fkey",
    ),
    Violation("trigger", "outbox_events", "outbox_events_notify"),
    Violation("unique key without distribution column", "alerts", "alerts_pkey"),
    Violation("unique key without distribution column", "alerts", "ix_alerts_policy_id_unresolved"),
    Violation("unique key without distribution column", "api_keys", "api_keys_key_hash_key"),
    Violation("unique key without distribution column", "api_keys", "api_keys_pkey"),
    Violation(
        "unique key without distribution column", "attribution_runs", "attribution_runs_pkey"
    ),
    Violation(
        "unique key without distribution column", "audience_members", "audience_members_pkey"
    ),
    Violation(
        "unique key without distribution column", "audience_refreshes", "audience_refreshes_pkey"
    ),
    Violation("unique key without distribution column", "audiences", "audiences_pkey"),
    Violation("unique key without distribution column", "campaigns", "campaigns_pkey"),
    Violation("unique key without distribution column", "content_items", "content_items_pkey"),
    Violation(
        "unique key without distribution column", "escalation_policies", "escalation_policies_pkey"
    ),
    Violation("unique key without distribution column", "ingest_batches", "ingest_batches_pkey"),
    Violation("unique key without distribution column", "ingest_batches", "ingest_batches_seq_key"),
    Violation("unique key without distribution column", "jobs", "jobs_pkey"),
    Violation(
        "unique key without distribution column", "kpi_target_misses", "kpi_target_misses_pkey"
    ),
    Violation("unique key without distribution column", "mentions", "mentions_pkey"),
    Violation("unique key without distribution column", "metric_rollups", "metric_rollups_pkey"),
    Violation("unique key without distribution column", "outbox_events", "outbox_events_pkey"),
    Violation("unique key without distribution column", "social_accounts", "social_accounts_pkey"),
    Violation("unique key without distribution column", "tracked_terms", "tracked_terms_pkey"),
    Violation(
        "unique key without distribution column",
        "webhook_deliveries",
        "webhook_deliveries_event_id_endpoint_id_key",
    ),
    Violation(
        "unique key without distribution column", "webhook_deliveries", "webhook_deliveries_pkey"
    ),
    Violation(
        "unique key without distribution column", "webhook_endpoints", "webhook_endpoints_pkey"
    ),
}


@pytest.fixture(scope="module")
def migrated_url(services: Services) -> str:
    admin, url = databases.urls(services, "smm_distribution")
    asyncio.run(databases.recreate(admin, "smm_distribution"))
    upgrade(url)
    return url


async def _violations(url: str, *statements: str) -> list[Violation]:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
        return await violations(conn)
    finally:
        await conn.close()


def test_the_migrations_break_no_rule_but_the_known_ones(migrated_url: str) -> None:
    found = set(asyncio.run(_violations(migrated_url)))
    assert found - KNOWN == set(), "a migration breaks a distribution rule"
    assert KNOWN - found == set(), "fixed: take it off KNOWN"


def test_the_rules_catch_what_citus_refuses(migrated_url: str) -> None:
    """On tables of a schema of their own: one that keeps every rule, and one that
    breaks each."""
    found = asyncio.run(
        _violations(
            migrated_url,
            "DROP SCHEMA IF EXISTS probe CASCADE",
            "CREATE SCHEMA probe",
            "SET search_path TO probe",
            "CREATE TABLE workspaces (id uuid PRIMARY KEY)",
            "CREATE TABLE good (workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,"
            " id uuid, PRIMARY KEY (workspace_id, id))",
            "CREATE TABLE child (workspace_id uuid NOT NULL, id uuid, good_id uuid,"
            " PRIMARY KEY (workspace_id, id),"
            " FOREIGN KEY (workspace_id, good_id) REFERENCES good (workspace_id, id))",
            "CREATE TABLE bad (workspace_id uuid, id uuid PRIMARY KEY, good_id uuid UNIQUE,"
            " FOREIGN KEY (workspace_id, good_id) REFERENCES good (workspace_id, id)"
            " ON DELETE SET NULL (good_id))",
            "CREATE TABLE loose (id uuid PRIMARY KEY)",
        )
    )
    assert {(v.rule, v.table) for v in found} == {
        ("workspace_id nullable", "bad"),
        ("unique key without distribution column", "bad"),  # its primary key
        ("unique key without distribution column", "bad"),  # good_id
        ("SET NULL/SET DEFAULT/ON UPDATE CASCADE (Citus refuses)", "bad"),
        ("no workspace_id and not an allowed reference table", "loose"),
    }
    assert len([v for v in found if v.table == "bad" and v.rule.startswith("unique")]) == 2
