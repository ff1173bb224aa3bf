"""Issue 22, on a Citus cluster only (`make test-citus`; not collected elsewhere): the
migrated schema is distributed by the rules of shared/db/distribution.py, partitions made
at run time included, and `shared.db.citus.distribute` on schemas of its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared.config import Settings
from shared.db import partitions
from shared.db.citus import DistributionError, distribute, parents_first
from shared.db.distribution import REFERENCE_TABLES, violations
from tests.harness import Services

#: Every table of the schema, with how Citus holds it: (type, distribution column,
#: co-located with workspaces).
HELD = """
SELECT c.relname::text AS name,
       CASE p.partmethod WHEN 'h' THEN 'distributed' WHEN 'n' THEN 'reference' END AS kind,
       column_to_column_name(p.logicalrelid, p.partkey) AS column,
       p.colocationid = (SELECT colocationid FROM pg_dist_partition
                         WHERE logicalrelid = 'workspaces'::regclass) AS with_workspaces
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
ORDER BY 1
"""
#: Far from any month the other tests write, so their partitions are this test's own.
FAR = (datetime(2091, 1, 15, tzinfo=UTC), datetime(2091, 2, 15, tzinfo=UTC))


@pytest.fixture
async def conn(services: Services) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(services.database_url)
    yield connection
    await connection.close()


def expected(name: str) -> tuple[str, str | None, bool]:
    if name in REFERENCE_TABLES:
        return ("reference", None, False)
    return ("distributed", "id" if name == "workspaces" else "workspace_id", True)


async def test_every_table_is_distributed_by_workspace(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch(HELD)
    assert {r["name"] for r in rows} >= {"workspaces", *REFERENCE_TABLES}
    held = {r["name"]: (r["kind"], r["column"], r["with_workspaces"]) for r in rows}
    assert held == {name: expected(name) for name in held}


async def test_no_distribution_rule_is_broken(conn: asyncpg.Connection) -> None:
    assert await violations(conn) == []


async def test_distributing_again_finds_nothing_to_do(conn: asyncpg.Connection) -> None:
    assert await distribute(conn) == []


async def _partitions_made(settings: Settings, months: tuple[datetime, ...]) -> list[str]:
    engine = create_async_engine(settings.sqlalchemy_url)
    made: list[str] = []
    try:
        async with AsyncSession(engine) as session, session.begin():
            for parent in partitions.PARENTS:
                made += await partitions.ensure(session, parent, months)
    finally:
        await engine.dispose()
    return made


async def _drop(conn: asyncpg.Connection, names: list[str]) -> None:
    for name in names:
        await conn.execute(f'DROP TABLE IF EXISTS "{name}"')


async def test_a_partition_made_at_run_time_is_distributed(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    made = await _partitions_made(settings, FAR[:1])
    try:
        assert len(made) == len(partitions.PARENTS)
        rows = await conn.fetch(HELD)
        # Those of the migrations and the other tests too: every partition there is.
        children = {r["name"]: r for r in rows if partitions.MONTHLY.match(r["name"])}
        assert set(made) <= set(children)
        for name, row in children.items():
            assert (row["kind"], row["column"], row["with_workspaces"]) == (
                "distributed",
                "workspace_id",
                True,
            ), name
    finally:
        await _drop(conn, made)


async def test_partitions_of_several_months_are_made_in_one_transaction(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    """A write spanning months makes their partitions together (shared/db/partitions.py)."""
    try:
        made = await _partitions_made(settings, FAR)
        assert len(made) == 2 * len(partitions.PARENTS)
    finally:
        await _drop(
            conn,
            [
                partitions.partition_name(p, partitions.month_start(m))
                for p in partitions.PARENTS
                for m in FAR
            ],
        )


# distribute() on schemas of its own, whatever the state of the migrated one.

PROBE = """
CREATE TABLE workspaces (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE idempotency_records (scope text, key text, body bytea, PRIMARY KEY (scope, key));
CREATE TABLE content_items (
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  id uuid NOT NULL, campaign_id uuid NOT NULL,
  PRIMARY KEY (workspace_id, id));
CREATE TABLE campaigns (
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  id uuid NOT NULL, seq bigint GENERATED BY DEFAULT AS IDENTITY,
  PRIMARY KEY (workspace_id, id));
ALTER TABLE content_items ADD FOREIGN KEY (workspace_id, campaign_id)
  REFERENCES campaigns (workspace_id, id) ON DELETE CASCADE;
CREATE TABLE snapshots (
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  id bigint GENERATED BY DEFAULT AS IDENTITY, campaign_id uuid NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id, at),
  FOREIGN KEY (workspace_id, campaign_id) REFERENCES campaigns ON DELETE CASCADE
) PARTITION BY RANGE (at);
CREATE TABLE snapshots_y2026m01 PARTITION OF snapshots
  FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
"""


@pytest.fixture
async def probe() -> AsyncIterator[asyncpg.Connection]:
    """A connection whose current schema is a new, empty one of its own."""
    url = os.environ["TEST_DATABASE_URL"]
    admin = await asyncpg.connect(url)
    await admin.execute("DROP SCHEMA IF EXISTS citus_probe CASCADE; CREATE SCHEMA citus_probe")
    connection = await asyncpg.connect(url, server_settings={"search_path": "citus_probe"})
    yield connection
    await connection.close()
    await admin.execute("DROP SCHEMA citus_probe CASCADE")
    await admin.close()


async def test_distribute_puts_parents_first_and_is_idempotent(
    probe: asyncpg.Connection,
) -> None:
    await probe.execute(PROBE)
    assert await distribute(probe) == [
        "idempotency_records",
        "workspaces",
        "campaigns",
        "content_items",
        "snapshots",
    ]
    assert await distribute(probe) == []
    # A partition attached afterwards is distributed by Citus, co-located.
    # (One statement per call: Citus forwards the whole query string of a DDL statement.)
    await probe.execute("CREATE TABLE snapshots_y2026m02 (LIKE snapshots INCLUDING DEFAULTS)")
    await probe.execute(
        "ALTER TABLE snapshots ATTACH PARTITION snapshots_y2026m02"
        " FOR VALUES FROM ('2026-02-01') TO ('2026-03-01')"
    )
    held = {
        r["name"]: (r["kind"], r["column"], r["with_workspaces"]) for r in await probe.fetch(HELD)
    }
    assert held == {name: expected(name) for name in held}
    assert set(held) == {
        "workspaces",
        "idempotency_records",
        "campaigns",
        "content_items",
        "snapshots",
        "snapshots_y2026m01",
        "snapshots_y2026m02",
    }


async def test_distribute_refuses_a_schema_that_breaks_a_rule(probe: asyncpg.Connection) -> None:
    await probe.execute(
        "CREATE TABLE workspaces (id uuid PRIMARY KEY);"
        "CREATE TABLE posts (workspace_id uuid NOT NULL REFERENCES workspaces, id uuid PRIMARY KEY)"
    )
    with pytest.raises(DistributionError) as refused:
        await distribute(probe)
    assert "unique key without distribution column: posts posts_pkey" in str(refused.value)
    held = {r["name"]: r["kind"] for r in await probe.fetch(HELD)}
    assert held == {"workspaces": None, "posts": None}, "nothing distributed"


def test_parents_come_before_the_tables_that_reference_them() -> None:
    keys = [("c", "b"), ("b", "a"), ("d", "a"), ("a", "a"), ("x", "outside")]
    assert parents_first(["d", "c", "b", "a"], keys) == ["a", "b", "d", "c"]
    with pytest.raises(DistributionError, match="cycle"):
        parents_first(["a", "b"], [("a", "b"), ("b", "a")])
