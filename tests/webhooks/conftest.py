"""A real local webhook receiver and a real arq worker (with its dispatcher) for tests."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from arq.worker import func
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from services.worker.main import recorded_functions, worker_settings
from services.worker.resilient import ResilientWorker
from shared.config import Settings
from shared.embedded import free_port
from shared.webhooks import ssrf

#: Fast retries, short timeouts: the schedule's shape, at test speed.
FAST = {
    "webhook_retry_schedule": (0.2, 0.2, 0.2),
    "webhook_timeout_seconds": 1.0,
    "worker_metrics_port": 0,
}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Inbox:
    """What one test's endpoint receives; `script` answers successive requests
    (a status code, or "hang" to outlast the sender's timeout), then 200."""

    path: str
    url: str
    script: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0


class Receiver:
    """A uvicorn server in its own thread: the test's loop never slows it down."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inboxes: dict[str, Inbox] = {}
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def inbox(self, *script: int | str, delay: float = 0.0) -> Inbox:
        path = uuid.uuid4().hex
        box = Inbox(path, f"http://127.0.0.1:{self.port}/{path}", list(script), delay=delay)
        self.inboxes[path] = box
        return box

    async def _receive(self, request: Request) -> Response:
        box = self.inboxes.get(request.path_params["path"])
        if box is None:  # an endpoint of a finished test: ask the platform to stop
            return PlainTextResponse("gone", status_code=410)
        body = await request.body()
        with self._lock:
            box.received.append(Received(dict(request.headers), body, time.monotonic()))
            answer = box.script.pop(0) if box.script else 200
            box.in_flight += 1
            box.max_in_flight = max(box.max_in_flight, box.in_flight)
        try:
            if answer == "hang":
                await asyncio.sleep(30)
            elif box.delay:
                await asyncio.sleep(box.delay)
        finally:
            with self._lock:
                box.in_flight -= 1
        status = int(answer) if answer != "hang" else 200
        return PlainTextResponse(f"answer {status} " + "x" * 2000, status_code=status)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "the webhook receiver did not start"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


WorkerFactory = Callable[..., Awaitable[ResilientWorker]]


async def _idle(ctx: dict[str, Any]) -> None:
    """arq refuses a worker with nothing registered; the dispatcher is not an arq job."""


@pytest.fixture
async def start_worker() -> AsyncIterator[WorkerFactory]:
    """A real arq worker (its own pools, its dispatcher), running in this event loop."""
    running: list[tuple[ResilientWorker, asyncio.Task[None]]] = []

    async def start(settings: Settings, *, crons: tuple[str, ...] = ()) -> ResilientWorker:
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
        worker = ResilientWorker(**worker_options)
        task = asyncio.create_task(worker.async_run())
        running.append((worker, task))
        deadline = time.monotonic() + 20
        while "webhooks" not in worker.ctx and time.monotonic() < deadline:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        assert "webhooks" in worker.ctx, "the worker did not start its dispatcher"
        return worker

    yield start
    for worker, task in running:
        await worker.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def eventually(check: Callable[[], Any], within: float = 10.0) -> None:
    """Poll `check` (sync or async) until it is truthy."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {within} s")
        await asyncio.sleep(0.05)


class FakeDNS:
    """The SSRF guard's resolver, offline: names answer what the test set, any other name
    fails as an unknown one would. No query leaves the machine."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[ssrf.IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not in the test's fake DNS")
        return [ipaddress.ip_address(address) for address in self.answers[host]]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Replaces `ssrf.resolve` (the default of every guard) for one test."""
    dns = FakeDNS()
    monkeypatch.setattr(ssrf, "resolve", dns)
    return dns
