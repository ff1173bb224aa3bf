"""F8 (issue 15): failed authentication is limited per client address, and once an
address is limited its requests are refused before any key is looked up."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy import event

from services.api.auth_limit import AuthFailureLimit, address_key
from services.api.main import close_resources, create_app, open_resources
from services.api.state import Resources
from shared.config import Settings
from tests.conftest import OPERATOR_TOKEN, Tenant
from tests.helpers.problems import assert_problem
from tests.helpers.windows import clear_of_the_minute_end

LIMIT = 3
BAD_KEY = {"Authorization": "Bearer smm_not-a-key-anyone-holds"}


def a_fresh_address() -> str:
    """An IPv6 /64 no other test (nor an earlier run this minute) has counted against."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"


@dataclasses.dataclass
class Guarded:
    """An app allowing LIMIT failures a minute, and the key lookups it made."""

    resources: Resources
    lookups: list[str]
    stack: AsyncExitStack

    async def client(self, host: str, resources: Resources | None = None) -> httpx.AsyncClient:
        app = create_app(self.resources.settings, resources or self.resources)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(host, 4321))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return await self.stack.enter_async_context(http)


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[Guarded]:
    tight = settings.model_copy(update={"auth_failures_per_minute": LIMIT})
    resources = await open_resources(tight)
    lookups: list[str] = []

    def count(query: Any) -> None:
        if "api_keys.key_hash" in query.query:
            lookups.append(query.query)

    def observe(dbapi_connection: Any, record: Any) -> None:
        # On the driver: the key lookup runs there, outside SQLAlchemy's execution events.
        dbapi_connection.driver_connection.add_query_logger(count)

    event.listen(resources.engine.sync_engine, "connect", observe)
    await clear_of_the_minute_end()  # a test's failures all count in one window
    async with AsyncExitStack() as stack:
        yield Guarded(resources, lookups, stack)
    await close_resources(resources)


async def test_failures_beyond_the_limit_are_429_without_a_lookup(guarded: Guarded) -> None:
    http = await guarded.client(a_fresh_address())
    for attempt in range(1, LIMIT + 1):
        assert_problem(await http.get("/v1/workspace", headers=BAD_KEY), 401)
        assert len(guarded.lookups) == attempt

    for _ in range(3):
        limited = await http.get("/v1/workspace", headers=BAD_KEY)
        body = assert_problem(limited, 429)
        assert body["type"] == "/problems/rate-limited"
        assert "failed authentications" in str(body["detail"])
        assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert len(guarded.lookups) == LIMIT  # a flood costs no database work


async def test_a_limited_address_is_refused_even_with_a_valid_key(
    guarded: Guarded, tenant: Tenant
) -> None:
    """The key cannot be told valid without the lookup the limit saves (as GitHub does)."""
    limited, other = await guarded.client(a_fresh_address()), await guarded.client("192.0.2.9")
    for _ in range(LIMIT):
        assert_problem(await limited.get("/v1/workspace", headers=BAD_KEY), 401)
    lookups = len(guarded.lookups)

    assert_problem(await limited.get("/v1/workspace", headers=tenant.admin), 429)
    assert len(guarded.lookups) == lookups
    assert (await other.get("/v1/workspace", headers=tenant.admin)).status_code == 200


async def test_successes_and_requests_without_a_key_are_not_counted(
    guarded: Guarded, tenant: Tenant
) -> None:
    http = await guarded.client(a_fresh_address())
    for _ in range(2 * LIMIT):
        assert (await http.get("/v1/workspace", headers=tenant.admin)).status_code == 200
        assert_problem(await http.get("/v1/workspace"), 401)

    statuses = [(await http.get("/v1/workspace", headers=BAD_KEY)).status_code for _ in range(4)]

    assert statuses == [401] * LIMIT + [429]


async def test_wrong_operator_tokens_count_too(guarded: Guarded) -> None:
    http = await guarded.client(a_fresh_address())
    body = {"name": "Guessed"}
    wrong = {"Authorization": "Bearer not-the-operator-token"}
    for _ in range(LIMIT):
        assert_problem(await http.post("/v1/workspaces", json=body, headers=wrong), 401)

    right = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    assert_problem(await http.post("/v1/workspaces", json=body, headers=right), 429)


async def test_one_ipv6_64_is_one_address(guarded: Guarded) -> None:
    first = a_fresh_address()
    neighbour = first.replace("::1", "::2")
    assert address_key(first) == address_key(neighbour) != address_key("2001:db8::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    for _ in range(LIMIT):
        assert_problem(
            await (await guarded.client(first)).get("/v1/workspace", headers=BAD_KEY), 401
        )

    response = await (await guarded.client(neighbour)).get("/v1/workspace", headers=BAD_KEY)

    assert_problem(response, 429)


async def test_another_process_learns_the_limit_from_redis_at_its_first_failure(
    guarded: Guarded,
) -> None:
    """API processes share the count in Redis; each refuses without a lookup once it has
    seen the address beyond the limit."""
    host = a_fresh_address()
    first = await guarded.client(host)
    for _ in range(LIMIT):
        await first.get("/v1/workspace", headers=BAD_KEY)
    second_process = dataclasses.replace(guarded.resources, auth_failures=AuthFailureLimit())
    second = await guarded.client(host, second_process)
    lookups = len(guarded.lookups)

    assert_problem(await second.get("/v1/workspace", headers=BAD_KEY), 429)
    assert_problem(await second.get("/v1/workspace", headers=BAD_KEY), 429)
    assert len(guarded.lookups) == lookups + 1


async def test_a_hung_redis_leaves_failures_answered_401(guarded: Guarded, black_hole: int) -> None:
    hung = ArqRedis(host="127.0.0.1", port=black_hole)
    http = await guarded.client(
        a_fresh_address(), dataclasses.replace(guarded.resources, redis=hung)
    )
    try:
        statuses = [
            (await http.get("/v1/workspace", headers=BAD_KEY)).status_code for _ in range(LIMIT + 1)
        ]
    finally:
        await hung.aclose()
    assert statuses == [401] * (LIMIT + 1)
