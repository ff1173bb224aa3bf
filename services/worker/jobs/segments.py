from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from services.worker.registry import job
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.segments import service


@job(service.REFRESH_JOB)
async def refresh_segment(
    uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str, refresh_id: str
) -> None:
    await service.compute(uow, uuid.UUID(workspace_id), uuid.UUID(refresh_id), utcnow())
