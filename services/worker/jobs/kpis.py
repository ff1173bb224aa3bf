from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from shared.db.uow import UnitOfWork
from shared.kpis import rollups
from shared.kpis.jobs import RebuildRollups


async def rebuild_rollups(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: RebuildRollups
) -> None:
    await rollups.rebuild_workspace(uow.session, workspace_id)
