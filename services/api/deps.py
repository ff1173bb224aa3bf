"""Request dependencies: the unit of work, the caller, paging and preconditions."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from services.api.csv_output import CSV
from services.api.errors import RateLimited
from services.api.problems import AUTH_ERRORS, DETAILS
from services.api.rate_limit import REDIS_TIMEOUT, WINDOW_SECONDS, WindowCounter
from services.api.state import Resources
from services.api.transaction import RequestUnitOfWork
from shared.bulk import Bulk, rows_or_errors
from shared.db.base import Versioned, utcnow
from shared.db.driver import driver_connection
from shared.db.pagination import MAX_LIMIT, Page
from shared.db.uow import UnitOfWork
from shared.errors import FieldError, NotAcceptable, Unauthenticated, ValidationFailed
from shared.schemas import PageOut, ReadModel
from shared.workspaces.models import Role
from shared.workspaces.service import Principal, authenticate_on

log = structlog.get_logger(__name__)

R = TypeVar("R", bound=ReadModel)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer smm_...`")
_operator = HTTPBearer(
    auto_error=False, scheme_name="OperatorToken", description="The operator's SMM_ADMIN_TOKEN"
)


# Dependencies are `async def` on purpose: FastAPI runs a plain `def` in a thread pool,
# a thread hop per request for what is an attribute lookup.
async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


Res = Annotated[Resources, Depends(get_resources)]


def v1_router(prefix: str, tag: str) -> APIRouter:
    """Every `/v1` router: documented auth errors, and misspelt query parameters refused."""
    return APIRouter(
        prefix=f"/v1{prefix}",
        tags=[tag],
        responses=AUTH_ERRORS,
        dependencies=[Depends(reject_unknown_query), Depends(answerable)],
    )


#: Media types every `/v1` operation answers in (problems are JSON too).
_JSON_RANGES = frozenset({"*/*", "application/*", "application/json", "application/problem+json"})


def _offers_csv(route: APIRoute) -> bool:
    return any(CSV in (spec.get("content") or {}) for spec in route.responses.values())


def _wanted(accept: str) -> set[str]:
    return {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}


def accepts_json(accept: str | None) -> bool:
    """Whether an `Accept` header (or its absence) takes the JSON every operation answers."""
    return not accept or bool(_wanted(accept) & _JSON_RANGES)


async def answerable(request: Request) -> None:
    """`Accept: text/csv` on an operation with no CSV, or any type but JSON, is a 406: a
    client asking for a spreadsheet must not silently get JSON it will save as one."""
    accept = request.headers.get("accept")
    if accepts_json(accept):
        return
    assert accept is not None
    wanted = _wanted(accept)
    route = request.scope.get("route")
    csv = isinstance(route, APIRoute) and _offers_csv(route)
    if csv and CSV in wanted:
        return
    offered = DETAILS["json-or-csv"] if csv else DETAILS["json-only"]
    raise NotAcceptable(offered.of(accept=accept[:100]))


_QUERY_NAMES: dict[str, frozenset[str]] = {}


def _declared_query(route: APIRoute) -> frozenset[str]:
    cached = _QUERY_NAMES.get(route.unique_id)
    if cached is not None:
        return cached
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(param.alias for param in dependant.query_params)
        pending.extend(dependant.dependencies)
    _QUERY_NAMES[route.unique_id] = frozenset(names)
    return _QUERY_NAMES[route.unique_id]


async def reject_unknown_query(request: Request) -> None:
    """A misspelt filter (`?stauts=active`) must not silently return everything."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = set(request.query_params) - _declared_query(route)
    if unknown:
        raise ValidationFailed(
            [
                FieldError(("query", name), "unknown query parameter", "extra_forbidden")
                for name in sorted(unknown)
            ]
        )


Row = TypeVar("Row", bound=BaseModel)


async def bulk_body(request: Request, batch: type[BaseModel], row: type[Row]) -> Bulk[Row]:
    """A bulk body validated from its raw bytes by pydantic-core (Rust JSON parsing and
    validation in one pass) instead of FastAPI's `json.loads` then Python-mode validation.
    Rows that fail the schema come back as errors for the service to refuse with its own
    rule errors, all at once (ING-2); a body that is no batch at all (malformed JSON: a 400,
    not an object, no rows or too many) is refused here, its errors read exactly as
    FastAPI's (`loc` from "body")."""
    try:
        return rows_or_errors(await request.body(), batch, row)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            error["loc"] = ("body", *error["loc"])
        raise RequestValidationError(errors) from None


async def get_uow(request: Request) -> UnitOfWork:
    """The request's unit of work, opened now if nothing asked for it yet."""
    request_uow: RequestUnitOfWork = request.state.uow
    return request_uow.get()


UoW = Annotated[UnitOfWork, Depends(get_uow)]


RATE_LIMIT_TIMEOUT = REDIS_TIMEOUT
_WINDOWS = WindowCounter()


async def _rate_limit(resources: Resources, principal: Principal) -> None:
    """Fixed one-minute window per key in Redis (`services.api.rate_limit`); if Redis is
    down the API stays up."""
    limit = resources.settings.rate_limit_per_minute
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    count = await _WINDOWS.count(resources.redis, f"ratelimit:{principal.key_id}:{window}")
    if count is not None and count > limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
        raise RateLimited(retry_after=retry_after, limit=limit)


def _client_host(request: Request) -> str | None:
    """The peer, or behind a proxy listed in FORWARDED_ALLOW_IPS the client it forwards
    (uvicorn runs with proxy_headers)."""
    return request.client.host if request.client else None


def _refuse_limited_address(resources: Resources, host: str | None, now: float) -> None:
    """Before any lookup: an address with too many failures this minute costs nothing."""
    retry_after = resources.auth_failures.retry_after(host, now)
    if retry_after is not None:
        raise _auth_limited(resources, retry_after)


async def _failed(resources: Resources, host: str | None, now: float) -> None:
    """Count a failed authentication; beyond the limit, answer 429 rather than 401."""
    limit = resources.settings.auth_failures_per_minute
    retry_after = await resources.auth_failures.record_failure(resources.redis, host, now, limit)
    if retry_after is not None:
        raise _auth_limited(resources, retry_after)


def _auth_limited(resources: Resources, retry_after: int) -> RateLimited:
    limit = resources.settings.auth_failures_per_minute
    return RateLimited(
        retry_after, limit, DETAILS["auth-limited"].of(limit=limit, retry_after=retry_after)
    )


async def _nothing(conn: asyncpg.Connection, principal: Principal) -> None:
    return None


async def authenticate(
    resources: Resources,
    token: str,
    host: str | None,
    read: Callable[[asyncpg.Connection, Principal], Awaitable[T]],
) -> tuple[Principal, T]:
    """The caller behind a bearer token, and `read` run for it on the same connection:
    what every `/v1` request runs first (`get_principal`, and the hot reads of
    `services.api.hot_reads`, which read their row there too). The connection is given
    back before anything else is awaited: a failure is counted against its address, and
    the key's rate limit applies, with none held. A request over its rate limit is a 429
    whatever `read` found."""
    now = time.time()
    _refuse_limited_address(resources, host, now)
    try:
        async with driver_connection(resources.engine) as conn:
            principal = await authenticate_on(conn, token, utcnow())
            found = await read(conn, principal)
    except Unauthenticated:
        await _failed(resources, host, now)
        raise
    await _rate_limit(resources, principal)
    return principal, found


async def get_principal(
    request: Request,
    resources: Annotated[Resources, Depends(get_resources)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:  # not a guess, and costs no lookup: not counted
        raise Unauthenticated(DETAILS["bearer-missing"].of())
    # The route's unit of work takes another connection: no request ever holds two.
    principal, _ = await authenticate(
        resources, credentials.credentials, _client_host(request), _nothing
    )
    return principal


def require(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def dependency(
        principal: Annotated[Principal, Depends(get_principal)],
    ) -> Principal:
        principal.require(role)
        return principal

    return dependency


ViewerKey = Annotated[Principal, Depends(require(Role.viewer))]
EditorKey = Annotated[Principal, Depends(require(Role.editor))]
AdminKey = Annotated[Principal, Depends(require(Role.admin))]


async def operator(
    request: Request,
    resources: Annotated[Resources, Depends(get_resources)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_operator)],
) -> None:
    refused = Unauthenticated(DETAILS["operator-token"].of())
    if credentials is None:
        raise refused
    host, now = _client_host(request), time.time()
    _refuse_limited_address(resources, host, now)
    expected = resources.settings.smm_admin_token
    if expected is None or not secrets.compare_digest(
        credentials.credentials.encode(), expected.encode()
    ):
        await _failed(resources, host, now)
        raise refused


Operator = Annotated[None, Depends(operator)]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (max {MAX_LIMIT}).")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_cursor` of the previous page: an opaque token that only this list "
        "makes (another is a 422).",
    ),
]

#: At most this many `ids=` on a list.
MAX_IDS = 100
Ids = Annotated[
    list[uuid.UUID] | None,
    Query(
        max_length=MAX_IDS,
        description=f"Only these, up to {MAX_IDS}: repeat the parameter (`ids=...&ids=...`), "
        "e.g. the ids another object names. Ids of nothing in this workspace are left out, "
        "not refused; the other filters still apply.",
    ),
]

_ETAG = re.compile(r'^"v(\d{1,9})"$')
_IF_MATCH = r'^(\*|"v\d{1,9}")$'


def etag(row: Versioned) -> str:
    return f'"v{row.version}"'


def json_response(model: type[M], value: M, *, etag: str | None = None) -> Response:
    """`value` as JSON bytes straight from pydantic-core: what FastAPI would answer for a
    `response_model`, without validating the value again first."""
    headers = {"ETag": etag} if etag is not None else None
    body = model.__pydantic_serializer__.to_json(value)
    return Response(body, media_type="application/json", headers=headers)


def with_etag(response: Response, row: Versioned) -> None:
    response.headers["ETag"] = etag(row)


async def no_store(response: Response) -> None:
    """For an answer that carries a secret (F10): no cache, shared or private, keeps it."""
    response.headers["Cache-Control"] = "no-store"


#: `dependencies=[NoStore]` on every route whose success answer shows a key or a secret.
NoStore = Depends(no_store)


def created(response: Response, row: Any, collection: str) -> None:
    """A 201's headers: where the new resource lives, and its version."""
    with_etag(response, row)
    response.headers["Location"] = f"{collection}/{row.id}"


def page_out(model: type[R], page: Page[Any]) -> PageOut[R]:
    return PageOut(
        items=[model.model_validate(row) for row in page.items], next_cursor=page.next_cursor
    )


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description="The ETag you read; a stale one is refused with 412.",
            pattern=_IF_MATCH,
            max_length=12,
            examples=['"v1"'],
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match == "*":
        return None
    match = _ETAG.match(if_match)
    assert match is not None  # the Header pattern has already refused anything else
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(expected_version)]
