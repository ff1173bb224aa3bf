"""Response headers every client relies on: no MIME sniffing, no caching of secrets (F10)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.api.main import create_app
from services.api.state import Resources
from shared.config import Settings
from tests.conftest import OPERATOR_TOKEN, Tenant
from tests.factories import webhook_endpoint


@pytest.fixture
async def failing_client(
    settings: Settings, resources: Resources
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with one route that raises: a 500 is answered outside the app's middleware."""
    app = create_app(settings, resources)

    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_every_response_says_nosniff(
    tenant: Tenant, failing_client: httpx.AsyncClient
) -> None:
    http = tenant.http
    json_headers = {**tenant.admin, "Content-Type": "application/json"}
    responses = [
        await http.get("/healthz"),
        await http.get("/v1/workspace", headers=tenant.admin),
        await http.get("/v1/campaigns", headers=tenant.admin),
        await http.get("/v1/campaigns"),  # 401
        await http.get("/v1/nowhere", headers=tenant.admin),  # 404
        await http.post("/v1/campaigns", content=b"{", headers=json_headers),  # 400
        await http.post("/v1/campaigns", json={}, headers=tenant.admin),  # 422
        await http.post(
            "/v1/campaigns", content=b"x" * (256 * 1024 + 1), headers=tenant.admin
        ),  # 413, from the outer middleware
        await failing_client.get("/boom"),  # 500, from Starlette's error middleware
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 401, 404, 400, 422, 413, 500]
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", response.url


async def test_a_new_workspace_and_its_admin_key_are_not_cached(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/workspaces",
        json={"name": "No store"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )

    assert response.status_code == 201
    assert response.json()["api_key"]["key"]
    assert response.headers["cache-control"] == "no-store"


async def test_a_new_api_key_is_not_cached_even_when_replayed(tenant: Tenant) -> None:
    headers = {**tenant.admin, "Idempotency-Key": "no-store-key"}
    body = {"name": "ci", "role": "viewer"}

    created = await tenant.http.post("/v1/api-keys", json=body, headers=headers)
    replayed = await tenant.http.post("/v1/api-keys", json=body, headers=headers)

    assert created.status_code == 201
    assert created.json()["key"]
    assert created.headers["cache-control"] == "no-store"
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.headers["cache-control"] == "no-store"


async def test_webhook_secrets_are_not_cached_on_creation_or_rotation(tenant: Tenant) -> None:
    created = await tenant.http.post(
        "/v1/webhook-endpoints", json={"url": "http://127.0.0.1:9/hooks"}, headers=tenant.admin
    )
    rotated = await tenant.http.post(
        f"/v1/webhook-endpoints/{created.json()['id']}/rotate-secret",
        json={"overlap_seconds": 0},
        headers=tenant.admin,
    )

    assert created.status_code == 201
    assert rotated.status_code == 200
    for response in (created, rotated):
        assert response.json()["secret"]
        assert response.headers["cache-control"] == "no-store"


async def test_reads_without_a_secret_may_be_cached(tenant: Tenant) -> None:
    await webhook_endpoint(tenant)

    listed = await tenant.http.get("/v1/webhook-endpoints", headers=tenant.admin)

    assert listed.status_code == 200
    assert "secret" not in listed.json()["items"][0]
    assert "no-store" not in listed.headers.get("cache-control", "")
