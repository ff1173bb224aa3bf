"""API-3..API-8: problems, request ids, body limit, idempotency keys."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from tests import factories
from tests.conftest import Tenant
from tests.helpers.problems import assert_problem
from tests.helpers.tables import count


async def test_request_id_is_echoed_or_generated(tenant: Tenant) -> None:
    echoed = await tenant.http.get(
        "/v1/campaigns", headers={**tenant.admin, "X-Request-ID": "abc-123"}
    )
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    assert len(generated.headers["x-request-id"]) == 16


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/nothing-here"), 404)


async def test_malformed_json_is_400_and_writes_nothing(
    tenant: Tenant, resources: Resources
) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        content=b'{"name": "x", "objective": ',
        headers={**tenant.admin, "content-type": "application/json"},
    )
    assert_problem(response, 400)
    assert await count(resources, "campaigns", tenant.id) == 0


async def test_validation_lists_every_bad_field(tenant: Tenant, resources: Resources) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={
            "name": "",
            "objective": "fame",
            "budget": 12.5,
            "starts_at": "2026-12-01T10:00:00",
            "workspace_id": "00000000-0000-0000-0000-000000000000",
        },
        headers=tenant.admin,
    )
    body = assert_problem(response, 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert {
        ("body", "name"),
        ("body", "objective"),
        ("body", "budget"),
        ("body", "starts_at"),
        ("body", "workspace_id"),
    } <= locs
    assert await count(resources, "campaigns", tenant.id) == 0


async def test_money_refuses_nan_infinity_and_negative(tenant: Tenant) -> None:
    for bad in ("NaN", "Infinity", "-1.00", "1.001", "1e3000"):
        response = await tenant.http.post(
            "/v1/campaigns",
            json={"name": "x", "objective": "sales", "budget": bad},
            headers=tenant.admin,
        )
        assert response.status_code == 422, bad


async def test_text_fields_are_stored_verbatim(tenant: Tenant) -> None:
    nasty = "Robert'); DROP TABLE campaigns;-- <script>alert(1)</script> ☀️"
    created = await factories.campaign(tenant, name=nasty)
    fetched = await tenant.http.get(f"/v1/campaigns/{created['id']}", headers=tenant.admin)
    assert fetched.json()["name"] == nasty


async def test_oversized_body_is_413_and_writes_nothing(
    tenant: Tenant, resources: Resources
) -> None:
    big = {"name": "x", "objective": "sales", "utm": {"source": "a" * 300_000}}
    response = await tenant.http.post("/v1/campaigns", json=big, headers=tenant.admin)
    assert_problem(response, 413)
    assert await count(resources, "campaigns", tenant.id) == 0


async def test_idempotency_key_replays_the_first_response(
    tenant: Tenant, resources: Resources
) -> None:
    headers = {**tenant.admin, "Idempotency-Key": "create-spring-1"}
    body = {"name": "Spring", "objective": "sales"}
    first = await tenant.http.post("/v1/campaigns", json=body, headers=headers)
    second = await tenant.http.post("/v1/campaigns", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert await count(resources, "campaigns", tenant.id) == 1


async def test_idempotency_key_replays_the_same_object_however_it_is_written(
    tenant: Tenant, resources: Resources
) -> None:
    """F10 (issue 15): keys re-ordered or re-spaced by a client's retry are the same body."""
    headers = {
        **tenant.admin,
        "Idempotency-Key": "create-spring-3",
        "content-type": "application/json",
    }
    first = await tenant.http.post(
        "/v1/campaigns", content=b'{"name": "Spring", "objective": "sales"}', headers=headers
    )
    again = await tenant.http.post(
        "/v1/campaigns", content=b'{"objective":"sales","name":"Spring"}', headers=headers
    )
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(resources, "campaigns", tenant.id) == 1


async def test_idempotency_key_with_another_body_is_422(
    tenant: Tenant, resources: Resources
) -> None:
    headers = {**tenant.admin, "Idempotency-Key": "create-spring-2"}
    await tenant.http.post(
        "/v1/campaigns", json={"name": "A", "objective": "sales"}, headers=headers
    )
    other = await tenant.http.post(
        "/v1/campaigns", json={"name": "B", "objective": "sales"}, headers=headers
    )
    assert_problem(other, 422)
    assert await count(resources, "campaigns", tenant.id) == 1


async def test_idempotency_keys_are_scoped_per_api_key(tenant: Tenant) -> None:
    editor = await tenant.key("editor")
    body = {"name": "A", "objective": "sales"}
    first = await tenant.http.post(
        "/v1/campaigns", json=body, headers={**tenant.admin, "Idempotency-Key": "k"}
    )
    second = await tenant.http.post(
        "/v1/campaigns", json=body, headers={**editor, "Idempotency-Key": "k"}
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


async def test_failed_request_does_not_burn_the_idempotency_key(tenant: Tenant) -> None:
    headers = {**tenant.admin, "Idempotency-Key": "retry-after-fix"}
    bad = await tenant.http.post(
        "/v1/campaigns", json={"name": "A", "objective": "nope"}, headers=headers
    )
    assert bad.status_code == 422
    good = await tenant.http.post(
        "/v1/campaigns", json={"name": "A", "objective": "sales"}, headers=headers
    )
    assert good.status_code == 201


async def test_request_in_flight_with_same_key_is_409(tenant: Tenant, resources: Resources) -> None:
    credential = tenant.admin["Authorization"]
    scope = hashlib.sha256(credential.encode()).hexdigest()
    async with resources.engine.connect() as conn, conn.begin():
        await conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"{scope}:busy"},
        )
        response = await asyncio.wait_for(
            tenant.http.post(
                "/v1/campaigns",
                json={"name": "A", "objective": "sales"},
                headers={**tenant.admin, "Idempotency-Key": "busy"},
            ),
            10,
        )
    assert_problem(response, 409)
    assert await count(resources, "campaigns", tenant.id) == 0


async def test_a_cursor_from_another_list_is_a_422(tenant: Tenant) -> None:
    """F10 (issue 15): one list's cursor was read as another's keyset position."""
    for name in ("A", "B"):
        created = await tenant.http.post(
            "/v1/campaigns", json={"name": name, "objective": "sales"}, headers=tenant.admin
        )
        assert created.status_code == 201, created.text
    page = await tenant.http.get("/v1/campaigns", params={"limit": 1}, headers=tenant.admin)
    cursor = page.json()["next_cursor"]
    assert cursor
    same = await tenant.http.get(
        "/v1/campaigns", params={"limit": 1, "cursor": cursor}, headers=tenant.admin
    )
    assert [c["name"] for c in same.json()["items"]] == ["B"]
    for other in ("/v1/mentions", "/v1/content-items", "/v1/api-keys"):
        foreign = await tenant.http.get(other, params={"cursor": cursor}, headers=tenant.admin)
        body = assert_problem(foreign, 422)
        assert "cursor" in str(body), body
