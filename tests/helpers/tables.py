"""What a workspace's tables hold, read straight from the database: what a refused request
must not have written."""

from __future__ import annotations

import sqlalchemy as sa

from services.api.state import Resources


async def count(resources: Resources, table: str, workspace_id: str) -> int:
    async with resources.engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.text(f"SELECT count(*) FROM {table} WHERE workspace_id = :w"),
                {"w": workspace_id},
            )
        )
