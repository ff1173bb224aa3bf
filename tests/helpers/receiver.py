"""A real local webhook receiver: what the platform sends, received over HTTP and kept
per test, with scripted answers (a status, a hang, a delay)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from shared.embedded import free_port
from tests.helpers.http import start_in_thread


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
        self.thread: threading.Thread | None = None

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
            # The behaviour under test: a receiver that outlasts the timeout, or a slow one.
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
        self.thread = start_in_thread(self.server, "the webhook receiver")

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()
