from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from services.worker.registry import job
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.metrics import service


@job(service.MERGE_JOB)
async def merge_snapshots(
    uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str, batch_id: str
) -> None:
    await service.merge(uow, uuid.UUID(workspace_id), uuid.UUID(batch_id), utcnow())
