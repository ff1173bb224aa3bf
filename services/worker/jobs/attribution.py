from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from services.worker.registry import job
from shared.attribution import service
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork


@job(service.RUN_JOB)
async def run_attribution(
    uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str, run_id: str
) -> None:
    await service.compute(uow, uuid.UUID(workspace_id), uuid.UUID(run_id), utcnow())
