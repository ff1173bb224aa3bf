"""Rows of any workspace whose time has come, taken by one worker of many (the crons).

An unlocked read names the due rows' `(workspace_id, id)`; then one statement per
workspace locks them with SKIP LOCKED, re-checking the condition, so a row another worker
took or moved meanwhile is left out. A single `FOR UPDATE SKIP LOCKED ... LIMIT` across
workspaces would be simpler, but Citus runs row locks only in a statement on one shard,
and every statement here names one workspace (issue 22).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ExecutableOption

from shared.db.base import TenantOwned

M = TypeVar("M", bound=TenantOwned)


async def lock_due(
    session: AsyncSession,
    model: type[M],
    condition: Callable[[uuid.UUID | None], sa.ColumnElement[bool]],
    *,
    order_by: Any,
    limit: int,
    options: Sequence[ExecutableOption] = (),
) -> list[M]:
    """Up to `limit` rows meeting `condition`, oldest by `order_by` first, locked.

    `condition(None)` is the scan's; `condition(workspace_id)` the lock's, which may pin
    the other tables it reads to that workspace (Citus routes a locking statement to one
    shard only when every table in it is)."""
    found = await session.execute(
        sa.select(model.workspace_id, model.id)
        .where(condition(None))
        .order_by(order_by)
        .limit(limit)
    )
    by_workspace: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for workspace_id, ident in found:
        by_workspace[workspace_id].append(ident)
    taken: list[M] = []
    for workspace_id, ids in by_workspace.items():
        rows = await session.scalars(
            sa.select(model)
            .where(model.workspace_id == workspace_id, model.id.in_(ids), condition(workspace_id))
            .order_by(order_by)
            .with_for_update(skip_locked=True)
            .options(*options)
        )
        taken.extend(rows.all())
    return taken
