from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.metrics import service
from shared.metrics.jobs import MergeSnapshots


async def merge_snapshots(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: MergeSnapshots
) -> None:
    await service.merge(uow, workspace_id, job.batch_id, utcnow())
