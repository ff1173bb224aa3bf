"""Seeing, from a test, which backends wait on the locks a test's transaction holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


async def waiting_on(
    holder: AsyncConnection, engine: AsyncEngine, started_before: datetime | None = None
) -> int:
    """Backends waiting on a lock the holder's transaction keeps (opened before a time).

    On Citus the row locks are taken on the worker nodes, where the coordinator's
    `pg_blocking_pids` cannot see them: there, Citus's cluster-wide lock graph tells."""
    if await holder.scalar(sa.text("SELECT to_regproc('citus_backend_gpid') IS NOT NULL")):
        gpid = await holder.scalar(sa.text("SELECT citus_backend_gpid()"))
        async with engine.connect() as conn:
            return int(
                await conn.scalar(
                    sa.text(
                        "SELECT count(DISTINCT w.waiting_gpid) FROM citus_lock_waits w "
                        "WHERE w.blocking_gpid = :g AND EXISTS ("
                        " SELECT 1 FROM citus_stat_activity a WHERE a.global_pid = w.waiting_gpid"
                        " AND a.backend_start < coalesce(CAST(:before AS timestamptz), 'infinity'))"
                    ),
                    {"g": gpid, "before": started_before},
                )
            )
    pid = await holder.scalar(sa.text("SELECT pg_backend_pid()"))
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE :p = ANY(pg_blocking_pids(pid)) "
                    "AND backend_start < coalesce(CAST(:before AS timestamptz), 'infinity')"
                ),
                {"p": pid, "before": started_before},
            )
        )
