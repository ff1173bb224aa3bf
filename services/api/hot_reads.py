"""The hottest reads, answered without FastAPI's routing and dependency resolution (PERF-5).

FastAPI's work around a request (finding the route among every route, resolving the
dependency tree, the request object) cost about 45 % of `GET /v1/campaigns/{id}`'s CPU:
more than the whole same-work endpoint spends on the request. A `HotRoute` stands first
in the app's router, in front of one `APIRoute`, and answers that route's common case
itself: a `GET` with a canonical UUID, no query string, a bearer key and an `Accept` that
takes JSON. It runs what the route's dependencies run (`deps.authenticate`: the address's
failure limit, the key, its rate limit) and reads its row on the key lookup's connection.
It answers through the same middleware and exception handlers, under the route's own
`route` in the scope (metrics, logs). Anything else (no key, a malformed id, a query
string, another `Accept`, another method) goes on to the `APIRoute`, so validation and
its problems keep one definition. `tests/api/test_hot_reads.py` asks both the same
requests and compares the answers byte for byte.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from services.api.deps import accepts_json, authenticate, json_response
from services.api.middleware import header
from services.api.routers import campaigns
from services.api.state import Resources
from shared.campaigns import reads as campaign_reads
from shared.errors import NotFound
from shared.workspaces.models import Role
from shared.workspaces.service import Principal

#: The id spelling the hot path takes: `str(uuid)`'s. Any other spelling (upper case, no
#: hyphens, braces), and anything that is no UUID, is FastAPI's to accept or refuse.
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PARAMETER = re.compile(r"\{(\w+)\}")
_HOT = "smm.hot_read"

#: Reads a workspace's row by id on the key lookup's connection: the model the route
#: answers with and its version (the ETag), or None for a 404.
Read = Callable[[asyncpg.Connection, uuid.UUID, uuid.UUID], Awaitable[tuple[BaseModel, int] | None]]


@dataclass(frozen=True)
class _Request:
    id: uuid.UUID
    token: str
    host: str | None


class HotRoute(BaseRoute):
    """`route`'s common case, answered by `read` for a key of at least `role`."""

    def __init__(self, route: APIRoute, role: Role, resource: str, read: Read) -> None:
        names = _PARAMETER.findall(route.path)
        if len(names) != 1 or route.methods != {"GET"}:
            raise ValueError(f"a hot read is a GET of one id: {route.path}")
        pattern = _PARAMETER.split(route.path)
        self.route, self.role, self.resource, self.read = route, role, resource, read
        self.parameter = names[0]
        self.path = re.compile(re.escape(pattern[0]) + f"({_UUID})" + re.escape(pattern[2]))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
            return Match.NONE, {}
        path = self.path.fullmatch(get_route_path(scope))
        if path is None:
            return Match.NONE, {}
        scheme, token = get_authorization_scheme_param(header(scope, b"authorization"))
        if scheme.lower() != "bearer" or not token or not accepts_json(header(scope, b"accept")):
            return Match.NONE, {}
        client = scope.get("client")
        hot = _Request(uuid.UUID(path.group(1)), token, client[0] if client else None)
        return Match.FULL, {
            "route": self.route,
            "endpoint": self.route.endpoint,
            "path_params": {self.parameter: path.group(1)},
            _HOT: hot,
        }

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot: _Request = scope[_HOT]
        resources: Resources = scope["app"].state.resources

        async def read(conn: asyncpg.Connection, principal: Principal) -> Any:
            if principal.role.rank < self.role.rank:
                return None  # refused below, once the rate limit has had its say
            return await self.read(conn, principal.workspace_id, hot.id)

        principal, found = await authenticate(resources, hot.token, hot.host, read)
        principal.require(self.role)
        if found is None:
            raise NotFound(self.resource, hot.id)
        model, version = found
        response = json_response(type(model), model, etag=f'"v{version}"')
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """The hot reads, first in `app`'s router."""
    app.router.routes[:0] = [
        HotRoute(
            _route(campaigns.router, campaigns.get_campaign), Role.viewer, "campaign", _campaign
        ),
    ]


async def _campaign(
    conn: asyncpg.Connection, workspace_id: uuid.UUID, campaign_id: uuid.UUID
) -> tuple[BaseModel, int] | None:
    return await campaign_reads.find_campaign(conn, workspace_id, campaign_id)


def _route(router: APIRouter, endpoint: Callable[..., Any]) -> APIRoute:
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint is endpoint:
            return route
    raise LookupError(f"no route of the router serves {endpoint.__name__}")
