from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.segments import service
from shared.segments.jobs import RefreshSegment


async def refresh_segment(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: RefreshSegment
) -> None:
    await service.compute(uow, workspace_id, job.refresh_id, utcnow())
