"""Seeing, from a test, which backends wait on the locks a test's transaction holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


async def waiting_on(
    holder: AsyncConnection, engine: AsyncEngine, started_before: datetime | None = None
) -> int:
    """Backends waiting on a lock the holder's transaction keeps (opened before a time)."""
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
