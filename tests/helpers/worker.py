"""A real arq worker (its own pools, its webhook dispatcher) in the test's event loop, on
a queue of its own, with fast retries and short timeouts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.worker import func

from services.worker.main import recorded_functions, worker_settings
from services.worker.resilient import ResilientWorker
from shared.config import Settings
from tests.helpers.waiting import wait_until

#: Fast retries, short timeouts: the schedule's shape, at test speed.
FAST = {
    "webhook_retry_schedule": (0.2, 0.2, 0.2),
    "webhook_timeout_seconds": 1.0,
    "worker_metrics_port": 0,
}


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


class RecordingWorker(ResilientWorker):
    """The worker, noting when each job starts (a cron's rounds included): what a test
    waits on rather than sleeping through rounds."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options, on_job_start=self._note_start)
        self.starts: list[tuple[str, datetime]] = []

    async def _note_start(self, ctx: dict[Any, Any]) -> None:
        self.starts.append((ctx["job_id"], datetime.now(UTC)))

    def rounds(self, cron: str, since: datetime) -> int:
        """Rounds of the cron named `cron` begun after `since` (a unique cron's job ids are
        `name:time`)."""
        return sum(1 for job, at in self.starts if job.startswith(f"{cron}:") and at > since)


WorkerFactory = Callable[..., Awaitable[RecordingWorker]]


async def _idle(ctx: dict[str, Any]) -> None:
    """arq refuses a worker with nothing registered; the dispatcher is not an arq job."""


@pytest.fixture
async def start_worker() -> AsyncIterator[WorkerFactory]:
    """A real arq worker (its own pools, its dispatcher), running in this event loop."""
    running: list[tuple[RecordingWorker, asyncio.Task[None]]] = []

    async def start(settings: Settings, *, crons: tuple[str, ...] = ()) -> RecordingWorker:
        """Only the dispatcher and the named crons work: a sweep would run other tests'
        pending jobs here."""
        options: dict[str, Any] = {
            "queue_name": f"arq:test:{uuid.uuid4().hex}",
            "handle_signals": False,
            "poll_delay": 0.05,
            "functions": [*recorded_functions(), func(_idle, name="tests.idle")],
        }
        worker_options = worker_settings(settings, **options)
        worker_options["cron_jobs"] = [
            job for job in worker_options["cron_jobs"] if job.name in crons
        ]
        worker = RecordingWorker(**worker_options)
        task = asyncio.create_task(worker.async_run())
        running.append((worker, task))

        def dispatching() -> bool:
            if task.done():
                task.result()  # the worker failed to start: say why
            return "webhooks" in worker.ctx

        await wait_until(
            dispatching, 20, what="the worker did not start its dispatcher", every=0.02
        )
        return worker

    yield start
    for worker, task in running:
        await worker.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
