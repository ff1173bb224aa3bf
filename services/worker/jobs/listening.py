from __future__ import annotations

import uuid

from services.worker.context import WorkerContext
from services.worker.crisis import evaluate_workspace
from services.worker.registry import job
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.listening import service


@job(service.ANALYSE_JOB)
async def analyse_mentions(
    uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str, batch_id: str
) -> None:
    """Score, detect, match, then evaluate the workspace's policies at once (CRI-2): the
    alert a batch tips commits with the batch's analysis."""
    workspace = uuid.UUID(workspace_id)
    analyse = wc.analysis.analyse if wc.analysis else service.analyse_here
    if await service.analyse_batch(uow, workspace, uuid.UUID(batch_id), utcnow(), analyse):
        await evaluate_workspace(uow, workspace)
