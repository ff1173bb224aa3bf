"""PERF-5's hot path (issue 19): the key lookup and `GET /v1/campaigns/{id}` run on the
driver, the rate limit batches its Redis counts, and none of it changes what a client
sees: the same bytes, revocation seen by every process at once, `last_used_at` written
at most every LAST_USED_RESOLUTION, the same 429s."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from services.api.main import close_resources, create_app, open_resources
from services.api.rate_limit import WindowCounter
from services.api.state import Resources
from shared.config import Settings
from shared.db.driver import DriverStatement
from shared.workspaces.models import ApiKey
from shared.workspaces.service import LAST_USED_RESOLUTION
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.problems import assert_problem
from tests.helpers.windows import clear_of_the_minute_end

#: Another API process: its own pools and counters, the same database and Redis.
Process = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def process(settings: Settings) -> AsyncIterator[Process]:
    async with AsyncExitStack() as stack:

        async def start(**changes: object) -> httpx.AsyncClient:
            own = settings.model_copy(update=changes)
            resources = await open_resources(own)
            stack.push_async_callback(close_resources, resources)
            transport = httpx.ASGITransport(app=create_app(own, resources))
            http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            return await stack.enter_async_context(http)

        yield start


async def test_a_campaign_reads_as_the_orm_wrote_it(tenant: Tenant) -> None:
    first, second = await factories.audience(tenant), await factories.audience(tenant, name="B")
    created = await tenant.http.post(
        "/v1/campaigns",
        json={
            "name": "Printemps « été »",
            "objective": "sales",
            "starts_at": factories.in_days(2),
            "ends_at": factories.in_days(30),
            "budget": "15000.50",
            "currency": "CAD",
            "platforms": ["instagram", "facebook"],
            "audience_ids": [second["id"], first["id"]],
            "targets": {"roas": "4", "cpa": "25.00", "ctr": "0.035"},
            "utm": {"source": "meta", "campaign": "printemps"},
        },
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text

    read = await tenant.http.get(f"/v1/campaigns/{created.json()['id']}", headers=tenant.admin)

    assert read.status_code == 200
    assert read.content == created.content  # FastAPI's own serialisation, byte for byte
    assert read.json()["audience_ids"] == [second["id"], first["id"]]
    assert read.headers["etag"] == created.headers["etag"] == '"v1"'
    assert read.headers["content-type"] == "application/json"


async def test_another_workspaces_campaign_is_404(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    campaign = await factories.campaign(tenant)
    other = await make_tenant(name="Other")
    assert_problem(
        await other.http.get(f"/v1/campaigns/{campaign['id']}", headers=other.admin), 404
    )


async def test_a_revoked_key_is_refused_by_every_process_at_once(
    tenant: Tenant, process: Process
) -> None:
    """No principal cache: the bound between a revocation's commit and every process
    refusing the key is zero."""
    viewer = await tenant.key("viewer")
    keys = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    viewer_id = next(k["id"] for k in keys if k["role"] == "viewer")
    other = await process()
    for http in (tenant.http, other):
        assert (await http.get("/v1/campaigns", headers=viewer)).status_code == 200

    revoked = await other.delete(f"/v1/api-keys/{viewer_id}", headers=tenant.admin)
    assert revoked.status_code == 204

    for http in (tenant.http, other):
        body = assert_problem(await http.get("/v1/campaigns", headers=viewer), 401)
        assert "revoked" in str(body["detail"])


async def _key_times(resources: Resources, tenant: Tenant) -> tuple[datetime | None, datetime]:
    async with resources.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(ApiKey.last_used_at, ApiKey.updated_at).where(
                    ApiKey.workspace_id == tenant.id
                )
            )
        ).one()
    return row.last_used_at, row.updated_at


async def test_last_used_at_is_written_at_most_every_resolution(
    tenant: Tenant, resources: Resources
) -> None:
    await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    used, updated = await _key_times(resources, tenant)
    assert used is not None

    for _ in range(3):  # reads within the resolution write nothing
        assert (await tenant.http.get("/v1/campaigns", headers=tenant.admin)).status_code == 200
    assert await _key_times(resources, tenant) == (used, updated)

    async with resources.engine.begin() as conn:  # the last use is now older than that
        stale = LAST_USED_RESOLUTION + timedelta(seconds=1)
        await conn.execute(
            sa.update(ApiKey)
            .where(ApiKey.workspace_id == tenant.id)
            .values(last_used_at=ApiKey.last_used_at - stale)
        )
    await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    refreshed, _ = await _key_times(resources, tenant)
    assert refreshed is not None
    assert refreshed > used
    listed = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    assert listed[0]["last_used_at"] is not None


async def test_concurrent_requests_are_limited_exactly(tenant: Tenant, process: Process) -> None:
    """Counts batched into one Redis round trip still refuse exactly the requests beyond
    the limit, and every process counts in the same window."""
    first, second = await process(rate_limit_per_minute=5), await process(rate_limit_per_minute=5)
    key = await tenant.key("viewer")
    # Each process's pools connected first: a Redis count slower than REDIS_TIMEOUT lets
    # its request through (the API stays up without Redis), which is not what is tested.
    for http in (first, second):
        assert (await http.get("/v1/campaigns", headers=tenant.admin)).status_code == 200
    await clear_of_the_minute_end()

    answers = await asyncio.gather(
        *(first.get("/v1/campaigns", headers=key) for _ in range(4)),
        *(second.get("/v1/campaigns", headers=key) for _ in range(4)),
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [429] * 3


async def test_a_batch_gives_each_request_its_own_position(resources: Resources) -> None:
    counter, key = WindowCounter(), f"test:window:{secrets.token_hex(4)}"
    positions = await asyncio.gather(*(counter.count(resources.redis, key) for _ in range(50)))
    assert sorted(p for p in positions if p is not None) == list(range(1, 51))
    assert int(await resources.redis.get(key)) == 50
    assert 0 < await resources.redis.ttl(key) <= 61


async def test_a_hung_redis_leaves_every_waiting_request_uncounted(black_hole: int) -> None:
    from arq.connections import ArqRedis

    hung = ArqRedis(host="127.0.0.1", port=black_hole)
    try:
        positions = await asyncio.gather(*(WindowCounter().count(hung, "k") for _ in range(3)))
    finally:
        await hung.aclose()
    assert positions == [None, None, None]


def test_a_driver_statement_refuses_column_defaults_it_cannot_compute() -> None:
    keys = ApiKey.__table__
    assert isinstance(keys, sa.Table)
    with pytest.raises(ValueError, match="updated_at"):
        DriverStatement.of(sa.update(keys).values(last_used_at=sa.bindparam("now")))
    fixed = DriverStatement.of(
        sa.select(keys.c.id).where(keys.c.role == "admin", keys.c.id == sa.bindparam("id"))
    )
    assert fixed.args({"id": 7}) == ["admin", 7]
