"""A batch's job run as the worker runs it, but when the test says: the handler in its own
unit of work, then the batch read back as the client polls it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from services.api.state import Resources
from services.worker.context import WorkerContext
from shared.config import Settings
from shared.db.uow import UnitOfWork, unit_of_work
from tests.conftest import Tenant


class BatchJob(Protocol):
    """The arguments of a job that works on an ingest batch."""

    @property
    def batch_id(self) -> uuid.UUID: ...


Job = TypeVar("Job", bound=BatchJob)


async def run_batch_job(
    handler: Callable[[UnitOfWork, WorkerContext, uuid.UUID, Job], Awaitable[None]],
    job: Job,
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
) -> dict[str, Any]:
    """Runs `handler` on `job`, then reads its batch from `/v1/ingest-batches`."""
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await handler(uow, wc, uuid.UUID(tenant.id), job)
    got = await tenant.http.get(f"/v1/ingest-batches/{job.batch_id}", headers=tenant.admin)
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result
