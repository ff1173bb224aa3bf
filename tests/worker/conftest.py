from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs import HANDLERS
from services.worker.main import recorded_functions
from services.worker.registry import Registered, handles
from shared.config import Settings
from shared.db.uow import UnitOfWork
from shared.errors import Conflict
from shared.jobs.contract import JobArgs
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


class Touch(JobArgs):
    NAME = "tests.touch"

    n: int


class Flaky(JobArgs):
    NAME = "tests.flaky"

    key: str


class Refuse(JobArgs):
    NAME = "tests.refuse"


async def touch(uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: Touch) -> None:
    """A real side effect in the job's transaction: an outbox event."""
    uow.emit(workspace_id, Touched(n=job.n))


_flaky_calls: dict[str, int] = {}


async def flaky(uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: Flaky) -> None:
    _flaky_calls[job.key] = _flaky_calls.get(job.key, 0) + 1
    uow.emit(workspace_id, FlakyCalled(call=_flaky_calls[job.key]))
    if _flaky_calls[job.key] == 1:
        raise ConnectionError("the platform API timed out")


async def refuse(uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: Refuse) -> None:
    uow.emit(workspace_id, Refused())
    raise Conflict("nothing to do for this audience")


TOUCH = handles(Touch, touch)
FLAKY = handles(Flaky, flaky)
REFUSE = handles(Refuse, refuse)
#: The product's jobs and the tests' own.
ALL_JOBS: tuple[Registered[Any], ...] = (*HANDLERS, TOUCH, FLAKY, REFUSE)


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
        functions=recorded_functions(ALL_JOBS),
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
