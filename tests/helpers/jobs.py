"""A batch's job run as the worker runs it, but when the test says: the handler in its own
unit of work, then the batch read back as the client polls it."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from services.api.state import Resources
from services.worker.context import WorkerContext
from shared.config import Settings
from shared.db.uow import UnitOfWork, unit_of_work
from tests.conftest import Tenant


class BatchJob(Protocol):
    def __call__(
        self, uow: UnitOfWork, wc: WorkerContext, *, workspace_id: str, batch_id: str
    ) -> Awaitable[None]: ...


async def run_batch_job(
    job: BatchJob,
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
    batch: Mapping[str, Any],
) -> dict[str, Any]:
    """Runs `job` on the batch, then reads the batch from `/v1/ingest-batches`."""
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await job(uow, wc, workspace_id=tenant.id, batch_id=batch["id"])
    got = await tenant.http.get(f"/v1/ingest-batches/{batch['id']}", headers=tenant.admin)
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result
