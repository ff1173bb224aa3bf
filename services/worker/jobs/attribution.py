from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from shared.attribution import service
from shared.attribution.jobs import RunAttribution
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork


async def run_attribution(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: RunAttribution
) -> None:
    await service.compute(uow, workspace_id, job.run_id, utcnow())
