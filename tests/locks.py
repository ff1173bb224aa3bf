"""Seeing, from a test, which backends wait on the locks a test's transaction holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

#: Backends blocked by the holder (`:h`), started before `:before`: PostgreSQL's view.
_BLOCKED = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE :h = ANY(pg_blocking_pids(pid)) "
    "AND backend_start < coalesce(CAST(:before AS timestamptz), 'infinity')"
)
#: The same on Citus, whose row locks are taken on the worker nodes, where the
#: coordinator's `pg_blocking_pids` cannot see them: its cluster-wide lock graph tells.
_BLOCKED_ON_CITUS = sa.text(
    "SELECT count(DISTINCT w.waiting_gpid) FROM citus_lock_waits w "
    "WHERE w.blocking_gpid = :h AND EXISTS ("
    " SELECT 1 FROM citus_stat_activity a WHERE a.global_pid = w.waiting_gpid"
    " AND a.backend_start < coalesce(CAST(:before AS timestamptz), 'infinity'))"
)


async def waiting_on(
    holder: AsyncConnection, engine: AsyncEngine, started_before: datetime | None = None
) -> int:
    """Backends waiting on a lock the holder's transaction keeps (opened before a time)."""
    citus = await holder.scalar(sa.text("SELECT to_regproc('citus_backend_gpid') IS NOT NULL"))
    ident = "citus_backend_gpid()" if citus else "pg_backend_pid()"
    holder_id = await holder.scalar(sa.text(f"SELECT {ident}"))
    async with engine.connect() as conn:
        found = await conn.scalar(
            _BLOCKED_ON_CITUS if citus else _BLOCKED, {"h": holder_id, "before": started_before}
        )
    return int(found or 0)
