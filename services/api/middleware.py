"""ASGI middleware around every request: its id, `nosniff`, the access log and metrics,
and the body size limit. The per-request transaction is `services.api.transaction`."""

from __future__ import annotations

import secrets
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.metrics import LATENCY, REQUESTS
from services.api.problems import DETAILS, NOSNIFF, problem_response, scope_language

log = structlog.get_logger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NOSNIFF = (NOSNIFF[0].lower().encode("latin-1"), NOSNIFF[1].encode("latin-1"))


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, decoded as HTTP sends it (latin-1)."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_response(send: Send, response: Any) -> None:
    """A Starlette response sent from middleware, in place of the app's."""
    await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


class ClientDisconnected(Exception):
    """The client went away before its body was whole: the bytes read so far are not a
    request, and running the app on them would act on a truncated body."""


def route_path(scope: Scope) -> str:
    """The matched route's template, the metrics' and logs' `route` label. FastAPI's own
    routes name themselves in the scope; Starlette's plain ones (`/docs`, `/redoc`,
    `/openapi.json`) leave only their endpoint there, found again among the app's routes."""
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    endpoint = scope.get("endpoint")
    router = getattr(scope.get("app"), "router", None)
    for candidate in getattr(router, "routes", ()) if endpoint is not None else ():
        if getattr(candidate, "endpoint", None) is endpoint:
            return str(candidate.path)
    return "unmatched"


class RequestContextMiddleware:
    """X-Request-ID, `nosniff`, structured access logs, metrics, and the body size limit
    (API-8)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = header(scope, b"x-request-id")
        request_id = incoming if incoming and len(incoming) <= 128 else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k not in (b"x-request-id", _NOSNIFF[0])
                ]
                headers += [(b"x-request-id", request_id.encode("latin-1")), _NOSNIFF]
                message = {**message, "headers": headers}
            await send(message)

        try:
            if scope["method"] in BODY_METHODS:
                try:
                    body = await self._read_body(scope, receive)
                except ClientDisconnected:
                    status = 499  # nginx's "client closed request": nothing was run
                    return
                if body is None:
                    await send_response(
                        send_with_id,
                        problem_response(
                            413,
                            "Payload too large",
                            DETAILS["payload-too-large"].of(limit=self.max_body_bytes),
                            "payload-too-large",
                            request_id,
                            language=scope_language(scope),
                        ),
                    )
                    return
                scope["state"]["body"] = body
                receive = _replay(body)
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_path(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            level = log.error if status >= 500 else log.info
            level(
                "http.request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
