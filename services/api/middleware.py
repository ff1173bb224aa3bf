"""ASGI middleware: request context, body limit, and the per-request transaction.

The transaction middleware owns the unit of work. It commits when the response status is
known and below 400, before a byte is sent, so a failed commit can never follow a `201`;
any error response rolls back, so bad input writes nothing. Idempotency records are
written in that same transaction (API-6): a replay returns exactly what was committed.
Their bodies rest encrypted under `SECRETS_KEY` (`shared.idempotency.sealing`): a new API key
or webhook secret is such a body.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

import orjson
import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import is_connection_error
from services.api.metrics import LATENCY, REQUESTS
from services.api.problems import NOSNIFF, problem_response, unavailable
from services.api.state import Resources
from shared.crypto import SecretBox, UndecryptableError
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.idempotency.models import IdempotencyRecord
from shared.idempotency.sealing import replay_body, seal
from shared.webhooks.service import secret_box

log = structlog.get_logger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")
_NOSNIFF = (NOSNIFF[0].lower().encode("latin-1"), NOSNIFF[1].encode("latin-1"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_response(send: Send, response: Any) -> None:
    await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


class ClientDisconnected(Exception):
    """The client went away before its body was whole: the bytes read so far are not a
    request, and running the app on them would act on a truncated body."""


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
        incoming = _header(scope, b"x-request-id")
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
                    await _send_response(
                        send_with_id,
                        problem_response(
                            413,
                            "Payload too large",
                            f"the body exceeds {self.max_body_bytes} bytes",
                            "payload-too-large",
                            request_id,
                        ),
                    )
                    return
                scope["state"]["body"] = body
                receive = _replay(body)
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
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
        declared = _header(scope, b"content-length")
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


def _canonical(body: bytes) -> bytes:
    """A JSON body with its keys sorted and no spacing, so a retry that re-orders or
    re-spaces the same object is the same request; anything else as sent."""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class TransactionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        resources: Resources = scope["app"].state.resources
        safe = scope["method"] in SAFE_METHODS
        factory = resources.read_sessionmaker if safe else resources.sessionmaker
        async with factory() as session:
            uow = UnitOfWork(session, resources.queue)
            scope.setdefault("state", {})["uow"] = uow
            key = _header(scope, b"idempotency-key")
            if scope["method"] == "POST" and key:
                await self._idempotent(scope, receive, send, uow, key, resources)
            else:
                await self._plain(scope, receive, send, uow)

    async def _plain(self, scope: Scope, receive: Receive, send: Send, uow: UnitOfWork) -> None:
        finished = False
        replaced = False

        async def send_after_commit(message: Message) -> None:
            nonlocal finished, replaced
            if replaced:
                return  # the app's own body, for a response we did not send
            if message["type"] == "http.response.start" and not finished:
                finished = True
                if message["status"] < 400:
                    try:
                        await uow.commit()
                    except Exception as exc:
                        replaced = True
                        await _quiet_rollback(uow)
                        await _send_response(send, commit_failed_response(exc, scope))
                        return
                else:
                    await uow.rollback()
            await send(message)

        try:
            await self.app(scope, receive, send_after_commit)
        except BaseException:
            if not finished:
                await _quiet_rollback(uow)
            raise

    async def _idempotent(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        uow: UnitOfWork,
        key: str,
        resources: Resources,
    ) -> None:
        request_id = scope["state"].get("request_id")
        if len(key) > 255:
            await _send_response(
                send,
                problem_response(
                    422,
                    "Validation error",
                    "Idempotency-Key is at most 255 characters",
                    "validation-error",
                    request_id,
                ),
            )
            return
        credential = _header(scope, b"authorization") or ""
        caller = hashlib.sha256(credential.encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\0".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    _canonical(scope["state"].get("body", b"")),
                ]
            )
        ).hexdigest()
        session = uow.session
        locked = await session.scalar(
            sa.select(
                sa.func.pg_try_advisory_xact_lock(sa.func.hashtextextended(caller + ":" + key, 0))
            )
        )
        if not locked:
            await uow.rollback()
            await _send_response(
                send,
                problem_response(
                    409,
                    "Conflict",
                    "a request with this Idempotency-Key is still in flight",
                    "idempotency-in-flight",
                    request_id,
                ),
            )
            return
        stored = await session.get(IdempotencyRecord, (caller, key))
        if stored is not None and stored.expires_at > utcnow():
            session.expunge(stored)  # keep its loaded values through the rollback
            await uow.rollback()
            if stored.request_hash != fingerprint:
                await _send_response(
                    send,
                    problem_response(
                        422,
                        "Idempotency-Key reused",
                        "this Idempotency-Key was used with another request body or path",
                        "idempotency-key-reused",
                        request_id,
                    ),
                )
                return
            await _replay_stored(send, stored, secret_box(resources.settings), request_id)
            return

        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, buffer)
        except BaseException:
            await _quiet_rollback(uow)
            raise
        assert start is not None
        body = b"".join(chunks)
        if 200 <= start["status"] < 300:
            now = utcnow()
            record = {
                "request_hash": fingerprint,
                "status_code": start["status"],
                "headers": {
                    k.decode("latin-1"): v.decode("latin-1")
                    for k, v in start.get("headers", [])
                    if k.decode("latin-1") in REPLAYED_HEADERS
                },
                "body": seal(secret_box(resources.settings), body),
                "body_encrypted": True,
                "created_at": now,
                "expires_at": now + timedelta(hours=resources.settings.idempotency_ttl_hours),
            }
            upsert = insert(IdempotencyRecord).values(scope=caller, key=key, **record)
            try:
                await session.execute(
                    upsert.on_conflict_do_update(index_elements=["scope", "key"], set_=record)
                )
                await uow.commit()
            except Exception as exc:
                await _quiet_rollback(uow)
                await _send_response(send, commit_failed_response(exc, scope))
                return
        else:
            await uow.rollback()
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _replay_stored(
    send: Send, stored: IdempotencyRecord, box: SecretBox, request_id: str | None
) -> None:
    try:
        body = replay_body(box, stored)
    except UndecryptableError:
        # Running the request again could create a second key or campaign: the retry
        # fails until the record expires, and the operator learns why from the log.
        log.error("idempotency.undecryptable", hint="SECRETS_KEY replaced instead of rotated")
        await _send_response(
            send,
            problem_response(
                500,
                "Internal error",
                "the stored response to this Idempotency-Key cannot be read; it has been logged",
                "internal",
                request_id,
            ),
        )
        return
    headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in stored.headers.items()]
    headers += [
        (b"idempotent-replayed", b"true"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def commit_failed_response(exc: Exception, scope: Scope) -> Any:
    """Nothing was sent yet: the client learns the write did not happen."""
    request_id = scope["state"].get("request_id")
    if is_connection_error(exc):
        log.error("commit.unavailable", error=repr(exc))
        return unavailable(request_id)
    if isinstance(exc, IntegrityError):
        return problem_response(
            409, "Conflict", "the change conflicts with existing data", "conflict", request_id
        )
    log.exception("commit.failed")
    return problem_response(
        500,
        "Internal error",
        "the change could not be saved; it has been logged",
        "internal",
        request_id,
    )


async def _quiet_rollback(uow: UnitOfWork) -> None:
    try:
        await uow.rollback()
    except Exception as exc:  # the connection may be the thing that failed
        log.warning("rollback_failed", error=repr(exc))
