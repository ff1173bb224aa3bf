"""HTTP for tests beyond the shared in-process client: a real server in a thread, and the
API with the production body limit."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from services.api.main import create_app
from services.api.state import Resources
from shared.config import Settings
from tests.helpers.waiting import wait_until_blocking


def start_in_thread(server: uvicorn.Server, name: str = "the server") -> threading.Thread:
    """Runs `server` in a daemon thread, where the test's own loop never slows it down,
    and returns once it listens."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until_blocking(lambda: server.started, 20, what=f"{name} did not start", every=0.02)
    return thread


@pytest.fixture
async def roomy(settings: Settings, resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the production body limit (16 MiB): 10,001 small snapshot rows fit, as
    do 200 mentions of 10,000 characters."""
    app = create_app(settings.model_copy(update={"max_body_bytes": 16 * 1024 * 1024}), resources)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
