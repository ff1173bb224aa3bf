"""Exceptions -> problem+json. No stack trace ever reaches a client (API-3)."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from services.api.problems import DETAILS, problem_language, problem_response, unavailable
from shared.errors import DETAILS as FIELD_DETAILS
from shared.errors import (
    Conflict,
    DomainError,
    NotAcceptable,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unauthenticated,
    ValidationFailed,
)
from shared.i18n import Language, Message
from shared.logging import describe

log = structlog.get_logger(__name__)

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PreconditionFailed, 412),
    (Conflict, 409),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotAcceptable, 406),
    (ValidationFailed, 422),
]


class RateLimited(Exception):
    def __init__(self, retry_after: int, limit: int, detail: str | Message | None = None) -> None:
        self.retry_after = retry_after
        self.limit = limit
        self.detail = detail or DETAILS["rate-limited"].of(limit=limit, retry_after=retry_after)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _language(request: Request) -> Language:
    """Problems follow the request's `Accept-Language` (fr, en; else English)."""
    return problem_language(request.headers)


def _clean(value: Any) -> Any:
    """Validation inputs and contexts may hold bytes or exceptions: keep them JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(
        status,
        exc.title,
        exc.message,
        exc.slug,
        _request_id(request),
        headers,
        language=_language(request),
        **exc.extra,
    )


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(
            400,
            "Malformed JSON",
            DETAILS["malformed-json"].of(),
            "malformed-json",
            _request_id(request),
            language=_language(request),
            errors=_clean(errors),
        )
    return problem_response(
        422,
        "Validation error",
        FIELD_DETAILS["fields-invalid"].of(count=len(errors)),
        "validation-error",
        _request_id(request),
        language=_language(request),
        errors=_clean(errors),
    )


def _allowed_methods(request: Request) -> str:
    """405 must list every method of the path; Starlette only knows the matched route's."""
    paths: dict[str, Any] = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        if re.fullmatch(re.sub(r"{[^/]+}", "[^/]+", template), request.url.path):
            return ", ".join(sorted(m.upper() for m in operations))
    return ""


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        exc.headers = {"Allow": _allowed_methods(request)}
    titles = {
        400: "Malformed body",
        404: "Not found",
        405: "Method not allowed",
        413: "Payload too large",
    }
    slug = {
        400: "malformed-body",
        404: "not-found",
        405: "method-not-allowed",
        413: "payload-too-large",
    }
    detail: str | Message = str(exc.detail)
    # Starlette's own 404 and 405 say the status phrase: a text we have in every language.
    standard = {(404, "Not Found"): "not-found", (405, "Method Not Allowed"): "method-not-allowed"}
    if (exc.status_code, detail) in standard:
        detail = DETAILS[standard[exc.status_code, str(detail)]].of()
    return problem_response(
        exc.status_code,
        titles.get(exc.status_code, "HTTP error"),
        detail,
        slug.get(exc.status_code, "http-error"),
        _request_id(request),
        headers=getattr(exc, "headers", None),
        language=_language(request),
    )


async def on_rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    return problem_response(
        429,
        "Too many requests",
        exc.detail,
        "rate-limited",
        _request_id(request),
        {"Retry-After": str(exc.retry_after)},
        language=_language(request),
    )


async def on_stale(request: Request, exc: Exception) -> Response:
    return problem_response(
        412,
        "Precondition failed",
        DETAILS["stale"].of(),
        "precondition-failed",
        _request_id(request),
        language=_language(request),
    )


async def on_integrity(request: Request, exc: Exception) -> Response:
    log.info("integrity_error", error=describe(exc))
    return problem_response(
        409,
        "Conflict",
        DETAILS["conflict"].of(),
        "conflict",
        _request_id(request),
        language=_language(request),
    )


async def on_database_unavailable(request: Request, exc: Exception) -> Response:
    log.error("database_unavailable", error=describe(exc), request_id=_request_id(request))
    return unavailable(_request_id(request), _language(request))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if is_connection_error(exc):
        return await on_database_unavailable(request, exc)
    log.exception("unhandled_error", request_id=_request_id(request))
    return problem_response(
        500,
        "Internal error",
        DETAILS["internal"].of(),
        "internal",
        _request_id(request),
        language=_language(request),
    )


def is_connection_error(exc: BaseException) -> bool:
    """The database (or the network to it) is down: 503, not a bug."""
    if isinstance(exc, OSError | InterfaceError | OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RateLimited, on_rate_limited)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(OperationalError, on_database_unavailable)
    app.add_exception_handler(InterfaceError, on_database_unavailable)
    app.add_exception_handler(OSError, on_database_unavailable)
    app.add_exception_handler(PoolTimeout, on_database_unavailable)
    app.add_exception_handler(Exception, on_unexpected)
