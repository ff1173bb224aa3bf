from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.main import recorded_functions
from services.worker.registry import job
from shared.config import Settings
from shared.db.uow import UnitOfWork
from shared.errors import Conflict
from shared.outbox.events import Event


class Touched(Event):
    type = "test.touched"
    description = "A test job ran."

    n: int


class FlakyCalled(Event):
    type = "test.flaky"
    description = "A flaky test job was called."

    call: int


class Refused(Event):
    type = "test.refused"
    description = "A test job refused its work."


TOUCH = "tests.touch"
FLAKY = "tests.flaky"
REFUSE = "tests.refuse"


@job(TOUCH)
async def touch(uow: UnitOfWork, wc: WorkerContext, workspace_id: str, n: int) -> None:
    """A real side effect in the job's transaction: an outbox event."""
    uow.emit(uuid.UUID(workspace_id), Touched(n=n))


_flaky_calls: dict[str, int] = {}


@job(FLAKY)
async def flaky(uow: UnitOfWork, wc: WorkerContext, workspace_id: str, key: str) -> None:
    _flaky_calls[key] = _flaky_calls.get(key, 0) + 1
    uow.emit(uuid.UUID(workspace_id), FlakyCalled(call=_flaky_calls[key]))
    if _flaky_calls[key] == 1:
        raise ConnectionError("the platform API timed out")


@job(REFUSE)
async def refuse(uow: UnitOfWork, wc: WorkerContext, workspace_id: str) -> None:
    uow.emit(uuid.UUID(workspace_id), Refused())
    raise Conflict("nothing to do for this audience")


@pytest.fixture
def wc(settings: Settings, resources: Resources) -> WorkerContext:
    return WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)


@pytest.fixture
def queue_name() -> str:
    return f"arq:test:{uuid.uuid4().hex}"


async def run_burst(wc: WorkerContext, redis_url: str, queue_name: str) -> None:
    """A real arq worker, on its own pool, that drains the queue and stops."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    worker = Worker(
        functions=recorded_functions(),
        redis_pool=pool,
        queue_name=queue_name,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        ctx={"app": wc},
        max_tries=3,
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()


@pytest.fixture
async def own_pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_dsn))
    yield pool
    await pool.aclose()


def ctx_for(wc: WorkerContext, job_try: int = 1) -> dict[str, Any]:
    return {"app": wc, "job_try": job_try}
