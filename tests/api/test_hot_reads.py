"""The hot reads (`services.api.hot_reads`) answer exactly what their FastAPI routes answer.

Every request is asked of the app as it runs and of the same app with its hot routes taken
out (the routes FastAPI resolves, the reference), on the same database and Redis: status,
headers and bytes must agree, and the requests the hot route takes must be the ones
meant for it (the rest go on to FastAPI).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.api.hot_reads import HotRoute
from services.api.main import close_resources, create_app, open_resources
from services.api.metrics import REQUESTS
from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.windows import clear_of_the_minute_end

#: Headers that differ between two answers for reasons of their own.
_OWN = {"date", "retry-after"}


@dataclass
class Pair:
    """The app with its hot routes (`hot`, the product) and without them (`plain`)."""

    hot: httpx.AsyncClient
    plain: httpx.AsyncClient
    served: list[str]

    async def ask(self, path: str, headers: dict[str, str]) -> tuple[httpx.Response, bool]:
        """Both answers, checked equal; the hot one, and whether its hot route served it."""
        headers = {"X-Request-ID": f"hot-{uuid.uuid4().hex[:8]}", **headers}
        before = len(self.served)
        hot = await self.hot.get(path, headers=headers)
        plain = await self.plain.get(path, headers=headers)
        assert (hot.status_code, hot.content) == (plain.status_code, plain.content)
        assert _headers(hot) == _headers(plain)
        return hot, len(self.served) > before


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in _OWN}


Start = Callable[..., Awaitable[Pair]]


@pytest.fixture
async def pairs(settings: Settings, resources: Resources) -> AsyncIterator[Start]:
    async with AsyncExitStack() as stack:

        async def start(**changes: Any) -> Pair:
            own = settings.model_copy(update=changes)
            shared = resources
            if changes:  # a process of its own: its limits, the same database and Redis
                shared = await open_resources(own)
                stack.push_async_callback(close_resources, shared)
            served: list[str] = []
            hot_app, plain_app = create_app(own, shared), create_app(own, shared)
            hot_routes = [r for r in hot_app.router.routes if isinstance(r, HotRoute)]
            assert hot_routes, "the app serves no hot read"
            for route in hot_routes:
                route.handle = _counting(route.handle, served)  # type: ignore[method-assign]
            plain_app.router.routes[:] = [
                r for r in plain_app.router.routes if not isinstance(r, HotRoute)
            ]
            clients = []
            for app in (hot_app, plain_app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
                clients.append(await stack.enter_async_context(http))
            return Pair(clients[0], clients[1], served)

        yield start


def _counting(handle: Any, served: list[str]) -> Any:
    async def counted(scope: Any, receive: Any, send: Any) -> None:
        served.append(scope["path"])
        await handle(scope, receive, send)

    return counted


async def test_a_campaign_reads_the_same_both_ways(tenant: Tenant, pairs: Start) -> None:
    pair = await pairs()
    audience = await factories.audience(tenant)
    campaign = await factories.campaign(tenant, audience_ids=[audience["id"]])
    viewer = await tenant.key("viewer")
    path = f"/v1/campaigns/{campaign['id']}"

    for headers in (
        tenant.admin,
        viewer,
        {**viewer, "Accept": "application/json"},
        {**viewer, "Accept": "text/html, application/problem+json;q=0.5"},
        {**viewer, "Accept-Language": "fr"},
        {"Authorization": viewer["Authorization"].replace("Bearer", "bearer")},
    ):
        answer, hot = await pair.ask(path, headers)
        assert answer.status_code == 200, answer.text
        assert hot, headers
        assert answer.json()["audience_ids"] == [audience["id"]]
        assert answer.headers["etag"] == '"v1"'


async def test_refusals_read_the_same_both_ways(
    tenant: Tenant, make_tenant: TenantFactory, resources: Resources, pairs: Start
) -> None:
    pair = await pairs()
    campaign = await factories.campaign(tenant)
    other = await make_tenant(name="Other")
    path = f"/v1/campaigns/{campaign['id']}"
    revoked = await tenant.key("viewer")
    keys = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    revoked_id = next(k["id"] for k in keys if k["role"] == "viewer")
    assert (await tenant.http.delete(f"/v1/api-keys/{revoked_id}", headers=tenant.admin)).is_success
    expired = await tenant.key("editor")
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE api_keys SET expires_at = now() - interval '1 second' "
                "WHERE workspace_id = :ws AND role = 'editor'"
            ),
            {"ws": tenant.id},
        )

    # (what, path, headers, status, served by the hot route)
    cases: list[tuple[str, str, dict[str, str], int, bool]] = [
        ("unknown id", f"/v1/campaigns/{uuid.uuid4()}", tenant.admin, 404, True),
        ("another workspace's", path, other.admin, 404, True),
        (
            "in French",
            f"/v1/campaigns/{uuid.uuid4()}",
            {**tenant.admin, "Accept-Language": "fr"},
            404,
            True,
        ),
        ("unknown key", path, {"Authorization": "Bearer smm_" + "x" * 43}, 401, True),
        ("no smm_ key", path, {"Authorization": "Bearer abc"}, 401, True),
        ("revoked key", path, revoked, 401, True),
        ("expired key", path, expired, 401, True),
        ("no key", path, {}, 401, False),
        ("basic auth", path, {"Authorization": "Basic dXNlcjpwYXNz"}, 401, False),
        ("empty bearer", path, {"Authorization": "Bearer "}, 401, False),
        ("malformed id", "/v1/campaigns/not-a-uuid", tenant.admin, 422, False),
        (
            "upper-case id",
            path.upper().replace("/V1/CAMPAIGNS", "/v1/campaigns"),
            tenant.admin,
            200,
            False,
        ),
        ("hyphenless id", path.replace("-", ""), tenant.admin, 200, False),
        ("unknown query", f"{path}?stauts=active", tenant.admin, 422, False),
        ("CSV asked", path, {**tenant.admin, "Accept": "text/csv"}, 406, False),
        ("trailing slash", f"{path}/", tenant.admin, 307, False),
    ]
    for what, asked, headers, status, served in cases:
        answer, hot = await pair.ask(asked, headers)
        assert answer.status_code == status, (what, answer.text)
        assert hot is served, what
        if status >= 400:
            assert answer.headers["content-type"] == "application/problem+json", what


async def test_the_rate_limit_refuses_the_same_both_ways(tenant: Tenant, pairs: Start) -> None:
    """Each app with a key of its own: the hot route counts a request as FastAPI's does,
    and over the limit answers 429 even for an id it does not know."""
    pair = await pairs(rate_limit_per_minute=2)
    campaign = await factories.campaign(tenant)
    await clear_of_the_minute_end()
    paths = [f"/v1/campaigns/{campaign['id']}"] * 2 + [f"/v1/campaigns/{uuid.uuid4()}"]
    for http in (pair.hot, pair.plain):
        key = await tenant.key("viewer")
        answers = [await http.get(path, headers=key) for path in paths]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[-1].headers["retry-after"]
    assert len(pair.served) == 3


async def test_a_hot_read_is_counted_and_logged_under_its_route(
    tenant: Tenant, pairs: Start
) -> None:
    pair = await pairs()
    campaign = await factories.campaign(tenant)
    counted = REQUESTS.labels("GET", "/v1/campaigns/{campaign_id}", "200")
    before = counted._value.get()

    answer, hot = await pair.ask(f"/v1/campaigns/{campaign['id']}", tenant.admin)

    assert answer.status_code == 200
    assert hot
    assert counted._value.get() == before + 2  # the hot app's answer and the plain one's
    assert answer.headers["x-content-type-options"] == "nosniff"
