from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from services.worker.registry import job
from shared.db.uow import UnitOfWork
from shared.kpis import rollups


@job(rollups.REBUILD_JOB)
async def rebuild_rollups(uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str) -> None:
    await rollups.rebuild_workspace(uow.session, uuid.UUID(workspace_id))
