"""The schema against the rules of a Citus distribution by `workspace_id` (issue 22),
on plain PostgreSQL (`shared/db/distribution.py`).

Migration 0022 paid the last of the 42 breaks found at 0020: the schema at head breaks
none, and a new migration that breaks one fails here, before `make test-citus` would."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.db.distribution import Violation, violations
from shared.db.migrate import upgrade
from tests.harness import Services
from tests.helpers import databases


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


def test_the_migrations_break_no_rule(migrated_url: str) -> None:
    assert asyncio.run(_violations(migrated_url)) == []


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
