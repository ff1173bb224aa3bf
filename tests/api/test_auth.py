"""API-2 and API-8: keys, roles, the operator token, rate limiting, database outages."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from arq.connections import ArqRedis
from sqlalchemy.exc import IntegrityError, OperationalError

from services.api.deps import RATE_LIMIT_TIMEOUT
from services.api.main import close_resources, create_app, open_resources
from services.api.state import Resources
from services.api.transaction import commit_failed_response
from shared.config import Settings
from shared.embedded import free_port
from tests import factories
from tests.conftest import OPERATOR_TOKEN, Tenant, TenantFactory
from tests.helpers.problems import assert_problem


async def test_missing_and_invalid_keys_are_401(client: httpx.AsyncClient) -> None:
    missing = assert_problem(await client.get("/v1/campaigns"), 401)
    assert missing["type"] == "/problems/unauthenticated"
    for token in ("smm_not-a-real-key", "garbage"):
        response = await client.get("/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_is_401(tenant: Tenant) -> None:
    viewer = await tenant.key("viewer")
    keys = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    viewer_id = next(k["id"] for k in keys if k["role"] == "viewer")
    assert (await tenant.http.get("/v1/campaigns", headers=viewer)).status_code == 200
    revoked = await tenant.http.delete(f"/v1/api-keys/{viewer_id}", headers=tenant.admin)
    assert revoked.status_code == 204
    assert_problem(await tenant.http.get("/v1/campaigns", headers=viewer), 401)


async def test_expired_key_is_401(tenant: Tenant, resources: Resources) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = await tenant.http.post(
        "/v1/api-keys",
        json={"name": "temp", "role": "viewer", "expires_at": soon},
        headers=tenant.admin,
    )
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['key']}"}
    assert (await tenant.http.get("/v1/campaigns", headers=headers)).status_code == 200
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": created.json()["id"]},
        )
    body = assert_problem(await tenant.http.get("/v1/campaigns", headers=headers), 401)
    assert "expired" in str(body["detail"])


async def test_a_past_expiry_is_422_naming_the_field(tenant: Tenant) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()

    response = await tenant.http.post(
        "/v1/api-keys",
        json={"name": "stale", "role": "viewer", "expires_at": past},
        headers=tenant.admin,
    )

    assert_problem(response, 422)
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "expires_at"]
    assert "future" in error["msg"]


async def _admin_key_ids(tenant: Tenant) -> list[str]:
    keys = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    return [k["id"] for k in keys if k["role"] == "admin"]


async def test_the_last_admin_key_cannot_be_revoked(tenant: Tenant) -> None:
    await tenant.key("editor")
    [own] = await _admin_key_ids(tenant)

    response = await tenant.http.delete(f"/v1/api-keys/{own}", headers=tenant.admin)

    body = assert_problem(response, 409)
    assert body["type"] == "/problems/last-admin-key"
    assert "last admin key" in str(body["detail"])
    assert (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).status_code == 200


async def test_an_admin_key_can_be_revoked_while_another_admin_key_remains(
    tenant: Tenant,
) -> None:
    [first] = await _admin_key_ids(tenant)
    second = await tenant.key("admin")
    [second_id] = [i for i in await _admin_key_ids(tenant) if i != first]

    revoked = await tenant.http.delete(f"/v1/api-keys/{first}", headers=second)
    last = await tenant.http.delete(f"/v1/api-keys/{second_id}", headers=second)

    assert revoked.status_code == 204
    assert_problem(await tenant.http.get("/v1/campaigns", headers=tenant.admin), 401)
    assert_problem(last, 409)


async def test_an_expired_admin_key_does_not_count_as_another_admin(
    tenant: Tenant, resources: Resources
) -> None:
    [own] = await _admin_key_ids(tenant)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    other = await tenant.http.post(
        "/v1/api-keys",
        json={"name": "temp admin", "role": "admin", "expires_at": soon},
        headers=tenant.admin,
    )
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": other.json()["id"]},
        )

    response = await tenant.http.delete(f"/v1/api-keys/{own}", headers=tenant.admin)

    assert_problem(response, 409)


async def test_key_secret_is_shown_once_and_stored_hashed(
    tenant: Tenant, resources: Resources
) -> None:
    created = (
        await tenant.http.post(
            "/v1/api-keys", json={"name": "ci", "role": "editor"}, headers=tenant.admin
        )
    ).json()
    listed = (await tenant.http.get("/v1/api-keys", headers=tenant.admin)).json()["items"]
    assert all("key" not in k for k in listed)
    assert created["key"].startswith(created["prefix"])
    async with resources.engine.connect() as conn:
        stored = await conn.scalar(
            sa.text("SELECT key_hash FROM api_keys WHERE id = :id"), {"id": created["id"]}
        )
    assert created["key"] not in stored


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("viewer", "POST", "/v1/campaigns", {"name": "x", "objective": "sales"}),
        ("viewer", "POST", "/v1/audiences", {"kind": "saved", "name": "x", "targeting": {}}),
        ("editor", "POST", "/v1/api-keys", {"name": "x", "role": "viewer"}),
        ("editor", "GET", "/v1/api-keys", None),
        (
            "editor",
            "POST",
            "/v1/social-accounts",
            {"platform": "x", "handle": "@a", "external_id": "1"},
        ),
    ],
)
async def test_role_too_low_is_403(
    tenant: Tenant, role: str, method: str, path: str, body: dict[str, object] | None
) -> None:
    headers = await tenant.key(role)
    response = await tenant.http.request(method, path, json=body, headers=headers)
    assert_problem(response, 403)


async def test_viewer_reads_editor_writes(tenant: Tenant) -> None:
    viewer, editor = await tenant.key("viewer"), await tenant.key("editor")
    created = await tenant.http.post(
        "/v1/campaigns", json={"name": "x", "objective": "leads"}, headers=editor
    )
    assert created.status_code == 201
    read = await tenant.http.get(f"/v1/campaigns/{created.json()['id']}", headers=viewer)
    assert read.status_code == 200


async def test_workspaces_need_the_operator_token(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"name": "Other brand"}
    assert_problem(await client.post("/v1/workspaces", json=body), 401)
    assert_problem(await client.post("/v1/workspaces", json=body, headers=tenant.admin), 401)
    created = await client.post(
        "/v1/workspaces", json=body, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    )
    assert created.status_code == 201
    assert created.json()["api_key"]["role"] == "admin"


async def test_workspace_time_zone_and_currency_are_validated(make_tenant: TenantFactory) -> None:
    with pytest.raises(AssertionError):
        await make_tenant(timezone="Mars/Olympus")
    with pytest.raises(AssertionError):
        await make_tenant(currency="euro")
    tenant = await make_tenant(timezone="America/Montreal", currency="CAD")
    campaign = await factories.campaign(tenant)
    assert campaign["currency"] == "CAD"


@pytest.fixture
async def limited_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    tight = settings.model_copy(update={"rate_limit_per_minute": 3})
    resources = await open_resources(tight)
    app = create_app(tight, resources)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await close_resources(resources)


async def test_rate_limit_is_per_key_with_retry_after(
    limited_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first, other = await tenant.key("viewer"), await tenant.key("viewer")
    statuses = [
        (await limited_client.get("/v1/campaigns", headers=first)).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    limited = await limited_client.get("/v1/campaigns", headers=first)
    assert_problem(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert (await limited_client.get("/v1/campaigns", headers=other)).status_code == 200


async def test_database_down_is_503_with_retry_after(settings: Settings, tenant: Tenant) -> None:
    dead = settings.model_copy(
        update={"database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"}
    )
    resources = await open_resources(dead)
    app = create_app(dead, resources)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/v1/campaigns", headers=tenant.admin)
            ready = await http.get("/readyz")
    finally:
        await close_resources(resources)
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"
    assert ready.status_code == 503
    assert ready.json()["postgres"]["ok"] is False


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (ConnectionRefusedError(111, "refused"), 503),
        (OperationalError("COMMIT", {}, Exception("server closed the connection")), 503),
        (IntegrityError("COMMIT", {}, Exception("deferred unique violation")), 409),
        (RuntimeError("bug"), 500),
    ],
)
def test_a_failed_commit_is_answered_before_anything_was_sent(exc: Exception, status: int) -> None:
    response = commit_failed_response(exc, {"state": {"request_id": "r1"}})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "r1"
    assert (response.headers.get("retry-after") == "5") is (status == 503)


async def test_a_hung_redis_leaves_the_api_serving(
    settings: Settings, resources: Resources, tenant: Tenant, black_hole: int
) -> None:
    hung = ArqRedis(host="127.0.0.1", port=black_hole)
    app = create_app(settings, dataclasses.replace(resources, redis=hung))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        # The app's first request also opens its pools: measured apart, it once took
        # longer than the bound on a slow CI machine.
        assert (await http.get("/v1/campaigns", headers=tenant.admin)).status_code == 200
        started = time.monotonic()
        response = await http.get("/v1/campaigns", headers=tenant.admin)
    assert response.status_code == 200
    assert time.monotonic() - started < RATE_LIMIT_TIMEOUT + 1.0
    await hung.aclose()


async def test_a_workspace_holds_at_most_max_keys_usable_keys(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F8 (issue 15): keys were unbounded, and the rate limit is per key."""
    from shared.workspaces import service

    monkeypatch.setattr(service, "MAX_KEYS", 3)  # the first admin key, then two more
    keys = [
        await tenant.http.post(
            "/v1/api-keys", json={"name": f"k{i}", "role": "viewer"}, headers=tenant.admin
        )
        for i in range(3)
    ]
    assert [k.status_code for k in keys] == [201, 201, 409]
    body = assert_problem(keys[2], 409)
    assert "revoke" in str(body["detail"])
    revoked = await tenant.http.delete(f"/v1/api-keys/{keys[0].json()['id']}", headers=tenant.admin)
    assert revoked.status_code == 204
    again = await tenant.http.post(
        "/v1/api-keys", json={"name": "again", "role": "viewer"}, headers=tenant.admin
    )
    assert again.status_code == 201, again.text


async def test_a_key_reads_itself_whatever_its_role(tenant: Tenant) -> None:
    """What a client (the console) decides which actions to offer by."""
    for role in ("viewer", "editor", "admin"):
        headers = await tenant.key(role)
        current = await tenant.http.get("/v1/api-key", headers=headers)
        assert current.status_code == 200, current.text
        body = current.json()
        assert body["role"] == role
        assert body["name"] == f"{role} key"
        assert "key" not in body  # the secret is shown once, at creation
        assert headers["Authorization"].removeprefix("Bearer ").startswith(body["prefix"])
