"""Distribute a migrated schema over a Citus cluster (issue 22), by the rules of
`shared.db.distribution`: `workspaces` by its `id`, every table with a `workspace_id` by
that column and co-located with it, `REFERENCE_TABLES` replicated to every node.

Run by `shared.db.migrate.upgrade` after Alembic when DATABASE_DISTRIBUTION=citus; plain
PostgreSQL (the default) never comes here. It is idempotent: it distributes only what is
not yet, so it runs after every upgrade. What later migrations do on a distributed
database:
- ALTER TABLE (columns, indexes, constraints) on a distributed table is propagated by Citus
  to every shard;
- a table a migration creates stays local until this step, which runs right after that
  migration, in the same `upgrade`. A new tenant table's foreign key to `workspaces` (or
  to any distributed table) is refused while the new table is still local, though: such a
  migration creates the table, then distributes it where Citus is installed, then adds the
  key; this step then has nothing left to do for it;
- partitions of a distributed parent (`shared.db.partitions`) are distributed by Citus
  when they are attached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import asyncpg

from shared.config import libpq_url
from shared.db.distribution import REFERENCE_TABLES, violations

#: Distributed by its own key; every tenant table is co-located with it.
ROOT_TABLE = "workspaces"
ROOT_COLUMN = "id"
TENANT_COLUMN = "workspace_id"

#: Tables of the current schema that are neither partitions nor Alembic's, each with
#: whether it has a `workspace_id`, and whether Citus already knows it.
_TABLES = """
SELECT c.relname::text AS name,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
               AND a.attname = $1 AND NOT a.attisdropped) AS tenant,
       EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) AS distributed
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'alembic_version'
ORDER BY 1
"""

#: Foreign keys between tables of the current schema: (child, parent).
_FOREIGN_KEYS = """
SELECT DISTINCT c.relname::text, p.relname::text
FROM pg_constraint f
JOIN pg_class c ON c.oid = f.conrelid
JOIN pg_class p ON p.oid = f.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE f.contype = 'f' AND NOT c.relispartition
"""


class DistributionError(RuntimeError):
    """The database cannot be distributed as it is: nothing was changed."""


def parents_first(tables: Iterable[str], foreign_keys: Iterable[tuple[str, str]]) -> list[str]:
    """`tables` ordered so that every table comes after those it references: Citus
    distributes a table with a foreign key only once the referenced one is distributed.
    Ties are broken by name, so the order is the same on every run."""
    pending = set(tables)
    needs = {table: set[str]() for table in pending}
    for child, parent in foreign_keys:
        if child in pending and parent in pending and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while pending:
        ready = sorted(t for t in pending if not needs[t] & pending)
        if not ready:
            raise DistributionError(f"foreign keys in a cycle between {sorted(pending)}")
        ordered += ready
        pending -= set(ready)
    return ordered


async def has_citus(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'citus'"))


async def distribute(conn: asyncpg.Connection) -> list[str]:
    """Distribute the current schema's tables that are not yet, in one transaction; the
    names of those distributed now (empty when there was nothing left to do).

    Refuses (DistributionError, nothing changed) without the citus extension, or when
    the schema breaks a distribution rule: Citus would refuse some statement midway, or
    worse, accept a table whose keys no longer hold across shards."""
    if not await has_citus(conn):
        raise DistributionError(
            "DATABASE_DISTRIBUTION=citus, but the database has no citus extension "
            "(CREATE EXTENSION citus on every node, and the workers added)"
        )
    broken = await violations(conn)
    if broken:
        listed = "\n".join(f"  {v.rule}: {v.table} {v.detail}".rstrip() for v in broken)
        raise DistributionError(
            f"the schema breaks {len(broken)} distribution rule(s) "
            f"(shared/db/distribution.py), nothing distributed:\n{listed}"
        )
    rows = await conn.fetch(_TABLES, TENANT_COLUMN)
    todo = {row["name"]: row["tenant"] for row in rows if not row["distributed"]}
    if not todo:
        return []
    reference = sorted(t for t in todo if t in REFERENCE_TABLES)
    # The root first, whatever references it: the others are co-located with it.
    distributed = [ROOT_TABLE] if ROOT_TABLE in todo else []
    distributed += parents_first(
        (t for t, tenant in todo.items() if tenant),
        [(child, parent) for child, parent in await conn.fetch(_FOREIGN_KEYS)],
    )
    async with conn.transaction():
        # Over one connection per node: distributing a table that has a foreign key after
        # others in the same transaction is refused when Citus went parallel for them.
        await conn.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        # Reference tables first: a tenant table may reference one, never the reverse.
        for table in reference:
            await conn.execute("SELECT create_reference_table($1::regclass)", _quoted(table))
        for table in distributed:
            if table == ROOT_TABLE:
                await conn.execute(
                    "SELECT create_distributed_table($1::regclass, $2)",
                    _quoted(table),
                    ROOT_COLUMN,
                )
            else:
                await conn.execute(
                    "SELECT create_distributed_table($1::regclass, $2, colocate_with => $3)",
                    _quoted(table),
                    TENANT_COLUMN,
                    ROOT_TABLE,
                )
    return reference + distributed


def _quoted(table: str) -> str:
    """A table name as regclass reads it: case and odd characters kept."""
    return '"' + table.replace('"', '""') + '"'


async def distribute_url(url: str) -> list[str]:
    conn = await asyncpg.connect(libpq_url(url))
    try:
        return await distribute(conn)
    finally:
        await conn.close()


def distribute_sync(url: str) -> list[str]:
    """For `shared.db.migrate.upgrade`, which runs outside any event loop (as Alembic)."""
    return asyncio.run(distribute_url(url))
