"""The rules a schema must keep to be distributed by `workspace_id` with Citus (issue 22),
checked on plain PostgreSQL: `violations` lists, on a migrated database, every table,
key and trigger that breaks one. `tests/test_distribution_rules.py` holds the list to what
is known and being paid down, so a new migration cannot add to it unnoticed.

The rules (docs/research/citus-distribution.md):
- every tenant table has a NOT NULL uuid `workspace_id`, its distribution column;
  `workspaces` is distributed by its own `id`, co-located with them;
- every primary key and unique index of a distributed table includes that column;
- every foreign key between distributed tables pairs their distribution columns, and none
  is SET NULL / SET DEFAULT (Citus refuses them when the key holds the distribution column);
- a table without `workspace_id` is a reference table, listed, and references no tenant
  table; no triggers; one level of partitioning; bigint identities only.
"""

from __future__ import annotations

from typing import NamedTuple

import asyncpg

#: Small global tables replicated to every node.
REFERENCE_TABLES = ("idempotency_records",)

RULES = """
WITH tbl AS (
  SELECT c.oid, c.relname, a.attnum AS ws, a.attnotnull AS ws_nn, a.atttypid AS ws_type
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
  LEFT JOIN pg_attribute a
    ON a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped
  WHERE c.relkind IN ('r','p') AND NOT c.relispartition AND c.relname <> 'alembic_version'
), dist AS (
  SELECT oid, relname,
         CASE WHEN relname = 'workspaces'
              THEN (SELECT attnum FROM pg_attribute WHERE attrelid = tbl.oid AND attname = 'id')
              ELSE ws END AS key
  FROM tbl WHERE ws IS NOT NULL OR relname = 'workspaces'
), ref AS (SELECT oid, relname FROM tbl WHERE ws IS NULL AND relname <> 'workspaces')
SELECT 'workspace_id nullable', relname::text, '' FROM tbl WHERE ws IS NOT NULL AND NOT ws_nn
UNION ALL SELECT 'workspace_id not uuid', relname, '' FROM tbl
  WHERE ws IS NOT NULL AND ws_type <> 'uuid'::regtype
UNION ALL SELECT 'no primary key', d.relname, '' FROM dist d
  WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = d.oid AND i.indisprimary)
UNION ALL SELECT 'unique key without distribution column', d.relname, i.indexrelid::regclass::text
  FROM dist d JOIN pg_index i ON i.indrelid = d.oid AND i.indisunique
  WHERE NOT EXISTS (SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) k WHERE i.indkey[k] = d.key)
UNION ALL SELECT 'foreign key not on distribution column', d.relname, f.conname
  FROM pg_constraint f JOIN dist d ON d.oid = f.conrelid JOIN dist p ON p.oid = f.confrelid
  WHERE f.contype = 'f' AND NOT EXISTS (
    SELECT 1 FROM unnest(f.conkey, f.confkey) k(col, ref) WHERE k.col = d.key AND k.ref = p.key)
UNION ALL SELECT 'SET NULL/SET DEFAULT/ON UPDATE CASCADE (Citus refuses)', d.relname, f.conname
  FROM pg_constraint f JOIN dist d ON d.oid = f.conrelid
  WHERE f.contype = 'f' AND (f.confdeltype IN ('n','d') OR f.confupdtype IN ('n','d','c'))
UNION ALL SELECT 'no workspace_id and not an allowed reference table', relname, '' FROM ref
  WHERE relname <> ALL ($1::text[])
UNION ALL SELECT 'reference table -> distributed table FK', r.relname, f.conname
  FROM pg_constraint f JOIN ref r ON r.oid = f.conrelid JOIN dist p ON p.oid = f.confrelid
  WHERE f.contype = 'f'
UNION ALL SELECT 'trigger', t.relname, g.tgname
  FROM pg_trigger g JOIN tbl t ON t.oid = g.tgrelid WHERE NOT g.tgisinternal
UNION ALL SELECT 'multi-level partitioning', relname, '' FROM pg_class
  WHERE relkind = 'p' AND relispartition
UNION ALL SELECT 'identity/sequence column not bigint', t.relname, a.attname
  FROM tbl t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE (a.attidentity <> '' OR pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%')
    AND a.atttypid <> 'int8'::regtype
ORDER BY 1, 2, 3;
"""


class Violation(NamedTuple):
    rule: str
    table: str
    detail: str


async def violations(conn: asyncpg.Connection) -> list[Violation]:
    """Every break of the rules in the connection's current schema, sorted."""
    rows = await conn.fetch(RULES, list(REFERENCE_TABLES))
    return [Violation(*row) for row in rows]
