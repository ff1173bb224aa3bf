"""A local fake of Meta's Graph API for the pull connectors, replaying the recorded
shapes of `tests/fixtures/platforms/metrics` (never a stub inside our code): an account's
media edge page by page, each media's insights, and scripted trouble (a 429, a throttle
with its usage header, an expired token, a metric the media does not report)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.embedded import free_port
from tests.helpers.http import start_in_thread

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "metrics"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Call:
    path: str
    query: dict[str, str]
    authorization: str | None
    at: float


@dataclass
class Scripted:
    """One answer in place of the normal one: a status, a body and headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    #: Only for a path containing this (e.g. "/insights"); any path when empty.
    on: str = ""


@dataclass
class FakeGraph:
    url: str
    token: str = "EAAB-fake-token"
    #: The media ids on the account's edge, in the order the platform lists them.
    media: list[str] = field(default_factory=list)
    #: Each media's metric values; a metric missing here is answered with no data.
    values: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Metrics a media refuses with Meta's invalid-metric error (code 100).
    refuses: dict[str, set[str]] = field(default_factory=dict)
    page_size: int = 2
    script: list[Scripted] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def answer(self, request: Request) -> JSONResponse:
        self.calls.append(
            Call(
                request.url.path,
                dict(request.query_params),
                request.headers.get("authorization"),
                time.monotonic(),
            )
        )
        for index, scripted in enumerate(self.script):
            if scripted.on in request.url.path:
                del self.script[index]
                return JSONResponse(scripted.body, scripted.status, headers=scripted.headers)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse(recorded("meta_error_token_expired"), 400)
        _, version, object_id, edge = request.url.path.split("/", 3)
        if edge == "media":
            return JSONResponse(self._page(request, version, object_id))
        if edge == "insights":
            return self._insights(object_id, request.query_params["metric"].split(","))
        return JSONResponse({"error": {"message": "Unsupported get request", "code": 100}}, 400)

    def _page(self, request: Request, version: str, object_id: str) -> dict[str, Any]:
        """Cursor paging as the Graph API pages an edge."""
        size = min(int(request.query_params.get("limit", "25")), self.page_size)
        start = int(request.query_params.get("after") or 0)
        chunk = self.media[start : start + size]
        body: dict[str, Any] = {
            "data": [{"id": media_id} for media_id in chunk],
            "paging": {"cursors": {"before": str(start), "after": str(start + len(chunk))}},
        }
        if start + size < len(self.media):
            body["paging"]["next"] = (
                f"{self.url}/{version}/{object_id}/media?limit={size}&after={start + size}"
            )
        return body

    def _insights(self, media_id: str, metrics: list[str]) -> JSONResponse:
        if self.refuses.get(media_id, set()) & set(metrics):
            return JSONResponse(recorded("meta_error_invalid_metric"), 400)
        shape = {entry["name"]: entry for entry in recorded("instagram_media_v23")["data"]}
        data = []
        for metric in metrics:
            value = self.values.get(media_id, {}).get(metric)
            if value is None:
                continue
            entry = dict(shape.get(metric, {"name": metric, "period": "lifetime"}))
            entry["values"] = [{"value": value}]
            entry["id"] = f"{media_id}/insights/{metric}/lifetime"
            data.append(entry)
        return JSONResponse({"data": data})


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    port = free_port()
    fake = FakeGraph(url=f"http://127.0.0.1:{port}")

    async def endpoint(request: Request) -> JSONResponse:
        return fake.answer(request)

    app = Starlette(routes=[Route("/{path:path}", endpoint)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = start_in_thread(server, "the fake platform")
    yield fake
    server.should_exit = True
    thread.join(10)
