"""The per-request transaction: the middleware owns the unit of work.

It commits when the response status is known and below 400, before a byte is sent, so a
failed commit can never follow a `201`; any error response rolls back, so bad input writes
nothing. Idempotency records are written in that same transaction (API-6,
`shared.idempotency.store`): a replay returns exactly what was committed. Their bodies rest
encrypted under `SECRETS_KEY` (`shared.idempotency.sealing`): a new API key or webhook
secret is such a body.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import is_connection_error
from services.api.middleware import header, send_response
from services.api.problems import DETAILS, problem_response, scope_language, unavailable
from services.api.state import Resources
from shared.config import Settings
from shared.crypto import UndecryptableError
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.i18n import Language
from shared.idempotency import store
from shared.idempotency.models import IdempotencyRecord
from shared.idempotency.sealing import replay_body
from shared.jobs.queue import JobQueue
from shared.webhooks.service import secret_box

log = structlog.get_logger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")


class RequestUnitOfWork:
    """The request's unit of work, opened when a dependency first asks for it (`UoW`): a
    route that reads on the driver (`shared.db.driver`) costs no session at all."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], queue: JobQueue) -> None:
        self._factory = factory
        self._queue = queue
        self.opened: UnitOfWork | None = None

    def get(self) -> UnitOfWork:
        if self.opened is None:
            self.opened = UnitOfWork(self._factory(), self._queue)
        return self.opened

    async def close(self) -> None:
        if self.opened is not None:
            await self.opened.session.close()


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
        request_uow = RequestUnitOfWork(factory, resources.queue)
        scope.setdefault("state", {})["uow"] = request_uow
        try:
            key = header(scope, b"idempotency-key")
            if scope["method"] == "POST" and key:
                await self._idempotent(scope, receive, send, request_uow.get(), key, resources)
            else:
                await self._plain(scope, receive, send, request_uow)
        finally:
            await request_uow.close()

    async def _plain(
        self, scope: Scope, receive: Receive, send: Send, request_uow: RequestUnitOfWork
    ) -> None:
        finished = False
        replaced = False

        async def send_after_commit(message: Message) -> None:
            nonlocal finished, replaced
            if replaced:
                return  # the app's own body, for a response we did not send
            if message["type"] == "http.response.start" and not finished:
                finished = True
                uow = request_uow.opened  # None: nothing went through a session
                if uow is not None and message["status"] < 400:
                    try:
                        await uow.commit()
                    except Exception as exc:
                        replaced = True
                        await _quiet_rollback(uow)
                        await send_response(send, commit_failed_response(exc, scope))
                        return
                elif uow is not None:
                    await uow.rollback()
            await send(message)

        try:
            await self.app(scope, receive, send_after_commit)
        except BaseException:
            if not finished and request_uow.opened is not None:
                await _quiet_rollback(request_uow.opened)
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
            await send_response(
                send,
                problem_response(
                    422,
                    "Validation error",
                    DETAILS["idempotency-key-length"].of(),
                    "validation-error",
                    request_id,
                    language=scope_language(scope),
                ),
            )
            return
        slot = store.Slot.of(header(scope, b"authorization") or "", key)
        hashed = store.request_hash(
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            scope["state"].get("body", b""),
        )
        if not await store.try_lock(uow.session, slot):
            await uow.rollback()
            await send_response(
                send,
                problem_response(
                    409,
                    "Conflict",
                    DETAILS["idempotency-in-flight"].of(),
                    "idempotency-in-flight",
                    request_id,
                    language=scope_language(scope),
                ),
            )
            return
        stored = await store.live_record(uow.session, slot, utcnow())
        if stored is not None:
            await uow.rollback()
            await _replay_stored(
                send, stored, hashed, resources.settings, request_id, scope_language(scope)
            )
            return
        start, body = await self._buffered(scope, receive, uow)
        if 200 <= start["status"] < 300:
            first = store.FirstResponse(start["status"], _replayed_headers(start), body)
            box = secret_box(resources.settings)
            ttl = timedelta(hours=resources.settings.idempotency_ttl_hours)
            try:
                await store.save(uow.session, slot, hashed, first, box, utcnow(), ttl)
                await uow.commit()
            except Exception as exc:
                await _quiet_rollback(uow)
                await send_response(send, commit_failed_response(exc, scope))
                return
        else:
            await uow.rollback()
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _buffered(
        self, scope: Scope, receive: Receive, uow: UnitOfWork
    ) -> tuple[Message, bytes]:
        """The app's response, held back until its idempotency record is saved."""
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
        return start, b"".join(chunks)


def _replayed_headers(start: Message) -> dict[str, str]:
    return {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in start.get("headers", [])
        if k.decode("latin-1") in REPLAYED_HEADERS
    }


async def _replay_stored(
    send: Send,
    stored: IdempotencyRecord,
    hashed: str,
    settings: Settings,
    request_id: str | None,
    language: Language,
) -> None:
    if stored.request_hash != hashed:
        await send_response(
            send,
            problem_response(
                422,
                "Idempotency-Key reused",
                DETAILS["idempotency-key-reused"].of(),
                "idempotency-key-reused",
                request_id,
                language=language,
            ),
        )
        return
    try:
        body = replay_body(secret_box(settings), stored)
    except UndecryptableError:
        # Running the request again could create a second key or campaign: the retry
        # fails until the record expires, and the operator learns why from the log.
        log.error("idempotency.undecryptable", hint="SECRETS_KEY replaced instead of rotated")
        await send_response(
            send,
            problem_response(
                500,
                "Internal error",
                DETAILS["idempotency-unreadable"].of(),
                "internal",
                request_id,
                language=language,
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
    language = scope_language(scope)
    if is_connection_error(exc):
        log.error("commit.unavailable", error=repr(exc))
        return unavailable(request_id, language)
    if isinstance(exc, IntegrityError):
        return problem_response(
            409,
            "Conflict",
            DETAILS["commit-conflict"].of(),
            "conflict",
            request_id,
            language=language,
        )
    log.exception("commit.failed")
    return problem_response(
        500,
        "Internal error",
        DETAILS["commit-failed"].of(),
        "internal",
        request_id,
        language=language,
    )


async def _quiet_rollback(uow: UnitOfWork) -> None:
    try:
        await uow.rollback()
    except Exception as exc:  # the connection may be the thing that failed
        log.warning("rollback_failed", error=repr(exc))
