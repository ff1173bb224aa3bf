"""Webhook endpoints through the API: secrets, validation, SSRF at save time, catalogue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.api.main import create_app
from services.api.state import Resources
from shared.config import Settings
from shared.db.base import utcnow
from shared.errors import NotFound
from shared.webhooks import service
from shared.webhooks.service import secret_box
from tests import factories
from tests.conftest import Tenant
from tests.helpers.problems import Problem, assert_problem


def first_error(problem: Problem) -> dict[str, Any]:
    errors = problem["errors"]
    assert isinstance(errors, list)
    error: dict[str, Any] = errors[0]
    return error


async def endpoint_rows(resources: Resources, workspace_id: str) -> list[dict[str, object]]:
    async with resources.engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT * FROM webhook_endpoints WHERE workspace_id = :w"),
            {"w": uuid.UUID(workspace_id)},
        )
        return [dict(row) for row in rows.mappings()]


async def test_the_secret_is_shown_once_and_stored_encrypted(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    created = await factories.webhook_endpoint(tenant, event_types=["content_item.due"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["event_types"] == ["content_item.due"]
    got = await tenant.http.get(f"/v1/webhook-endpoints/{created['id']}", headers=tenant.admin)
    assert got.status_code == 200
    assert "secret" not in got.json()
    assert secret not in got.text
    listed = await tenant.http.get("/v1/webhook-endpoints", headers=tenant.admin)
    assert secret not in listed.text
    [row] = await endpoint_rows(resources, tenant.id)
    assert secret not in str(row)
    assert secret_box(settings).decrypt(str(row["secret_ciphertext"])) == secret


async def test_event_types_are_checked_against_the_catalogue(
    tenant: Tenant, resources: Resources
) -> None:
    for event_types in (["campaign.started"], ["*", "content_item.due"], []):
        response = await tenant.http.post(
            "/v1/webhook-endpoints",
            json={"url": "https://93.184.216.34/hook", "event_types": event_types},
            headers=tenant.admin,
        )
        body = assert_problem(response, 422)
        assert first_error(body)["loc"][:2] == ["body", "event_types"]
    assert await endpoint_rows(resources, tenant.id) == []
    default = await factories.webhook_endpoint(tenant)
    assert default["event_types"] == ["*"]


async def test_the_catalogue_lists_each_event_type_with_its_schema(tenant: Tenant) -> None:
    viewer = await tenant.key("viewer")
    response = await tenant.http.get("/v1/webhook-event-types", headers=viewer)
    assert response.status_code == 200
    catalogue = {item["type"]: item for item in response.json()["items"]}
    assert set(catalogue) == {
        "alert.opened",
        "alert.escalated",
        "alert.resolved",
        "attribution.completed",
        "campaign.status_changed",
        "content_item.status_changed",
        "content_item.due",
        "ingest.completed",
        "kpi.target_missed",
        "segment.computed",
        "social_account.needs_reauth",
        "webhook.test",
    }
    due = catalogue["content_item.due"]
    assert due["description"]
    assert due["data_schema"]["required"] == ["content_item"]
    assert "ContentItemRead" in due["data_schema"]["$defs"]
    escalated = catalogue["alert.escalated"]["data_schema"]
    assert escalated["required"] == ["alert", "previous_level"]
    assert "Explanation" in escalated["$defs"]


async def test_webhooks_are_for_admins(tenant: Tenant) -> None:
    editor = await tenant.key("editor")
    response = await tenant.http.get("/v1/webhook-endpoints", headers=editor)
    assert_problem(response, 403)


@pytest.fixture
async def strict(settings: Settings, resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    """The API as deployed: https and public addresses only."""
    strict_settings = settings.model_copy(update={"webhook_allow_private": False})
    app = create_app(strict_settings, replace(resources, settings=strict_settings))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.20:8443/hook",
        "https://169.254.169.254/latest/meta-data/iam/",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://localhost:8000/hook",
        "https://metadata.google.internal/computeMetadata/v1/",
        # F5 (issue 15): each was a 201 before.
        "https://[::127.0.0.1]/hook",  # IPv4-compatible
        "https://[::ffff:0:7f00:1]/hook",  # IPv4-translated
        "https://[::ffff:192.0.0.8]/hook",  # IPv4-mapped
        "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 of 10.0.0.1
        "https://[64:ff9b::c000:8]/hook",  # well-known NAT64 of 192.0.0.8
        "https://[2002:c000:8::1]/hook",  # 6to4 of 192.0.0.8
        "https://[2001:0:a00:1::f7f7:f7f7]/hook",  # Teredo, server 10.0.0.1
        "https://93.184.216.34:6379/hook",
        "https://[2606:4700:4700::1111]:8443/hook",
    ],
)
async def test_internal_urls_are_refused_when_saved(
    tenant: Tenant, strict: httpx.AsyncClient, resources: Resources, url: str
) -> None:
    response = await strict.post("/v1/webhook-endpoints", json={"url": url}, headers=tenant.admin)
    body = assert_problem(response, 422)
    assert first_error(body)["loc"] == ["body", "url"]
    assert first_error(body)["type"] == "url_not_allowed"
    assert await endpoint_rows(resources, tenant.id) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://[2606:4700:4700::1111]/hook",
        "https://[64:ff9b::808:808]/hook",
        "https://93.184.216.34:443/hook",
    ],
)
async def test_public_addresses_on_443_are_accepted(
    tenant: Tenant, strict: httpx.AsyncClient, url: str
) -> None:
    response = await strict.post("/v1/webhook-endpoints", json={"url": url}, headers=tenant.admin)
    assert response.status_code == 201, response.text


async def test_a_public_https_url_is_accepted_and_a_patch_is_checked_too(
    tenant: Tenant, strict: httpx.AsyncClient
) -> None:
    response = await strict.post(
        "/v1/webhook-endpoints", json={"url": "https://93.184.216.34/hook"}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    patched = await strict.patch(
        f"/v1/webhook-endpoints/{response.json()['id']}",
        json={"url": "https://169.254.169.254/"},
        headers=tenant.admin,
    )
    assert_problem(patched, 422)


async def test_patch_needs_the_current_etag_and_disabling_says_who(tenant: Tenant) -> None:
    created = await factories.webhook_endpoint(tenant)
    path = f"/v1/webhook-endpoints/{created['id']}"
    stale = await tenant.http.patch(
        path, json={"description": "x"}, headers=tenant.admin | {"If-Match": '"v9"'}
    )
    assert_problem(stale, 412)
    response = await tenant.http.patch(
        path, json={"enabled": False}, headers=tenant.admin | {"If-Match": '"v1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["enabled"] is False
    assert response.json()["disabled_reason"] == "disabled by a user"
    assert_problem(await tenant.http.patch(path, json={"url": None}, headers=tenant.admin), 422)


async def test_deleting_an_endpoint_deletes_its_deliveries(
    tenant: Tenant, resources: Resources
) -> None:
    created = await factories.webhook_endpoint(tenant)
    test = await tenant.http.post(
        f"/v1/webhook-endpoints/{created['id']}/test", headers=tenant.admin
    )
    assert test.status_code == 202
    assert test.json()["status"] == "pending"
    response = await tenant.http.delete(
        f"/v1/webhook-endpoints/{created['id']}", headers=tenant.admin
    )
    assert response.status_code == 204
    got = await tenant.http.get(test.headers["location"], headers=tenant.admin)
    assert_problem(got, 404)


async def test_a_delivery_in_flight_cannot_be_retried_and_unknown_options_are_refused(
    tenant: Tenant, resources: Resources
) -> None:
    created = await factories.webhook_endpoint(tenant)
    test = await tenant.http.post(
        f"/v1/webhook-endpoints/{created['id']}/test", headers=tenant.admin
    )
    delivery = test.json()["id"]
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE webhook_deliveries SET status = 'sending' WHERE id = :id"),
            {"id": uuid.UUID(delivery)},
        )
    retry = f"/v1/webhook-deliveries/{delivery}/retry"
    assert_problem(await tenant.http.post(retry, headers=tenant.admin), 409)
    assert_problem(await tenant.http.post(retry, json={"now": True}, headers=tenant.admin), 422)


async def test_metrics_report_the_webhook_queue(tenant: Tenant) -> None:
    created = await factories.webhook_endpoint(tenant)
    await tenant.http.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=tenant.admin)
    text = (await tenant.http.get("/metrics")).text
    waiting = next(
        line for line in text.splitlines() if line.startswith("smm_webhook_deliveries_waiting ")
    )
    assert float(waiting.split()[1]) >= 1
    assert "smm_webhook_oldest_undelivered_seconds" in text


async def test_the_operator_sees_failing_endpoints_and_can_replay_a_delivery(
    tenant: Tenant, resources: Resources
) -> None:
    """What `smm webhooks failing` and `smm webhooks replay` run."""
    created = await factories.webhook_endpoint(tenant)
    test = await tenant.http.post(
        f"/v1/webhook-endpoints/{created['id']}/test", headers=tenant.admin
    )
    delivery = uuid.UUID(test.json()["id"])
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, "
                "last_error = 'ConnectError', last_attempt_at = now() WHERE id = :id"
            ),
            {"id": delivery},
        )
        await conn.execute(
            sa.text("UPDATE webhook_endpoints SET failing_since = now() WHERE id = :id"),
            {"id": uuid.UUID(created["id"])},
        )
    async with resources.sessionmaker() as session, session.begin():
        failing = await service.failing_endpoints(session)
        mine = next(row for row in failing if str(row.id) == created["id"])
        assert (mine.failed, mine.waiting, mine.last_error) == (1, 0, "ConnectError")
        replayed = await service.replay(session, delivery, utcnow())
        assert replayed.status == "pending"
        assert replayed.one_off is True
    got = await tenant.http.get(test.headers["location"], headers=tenant.admin)
    assert got.json()["status"] == "pending"
    async with resources.sessionmaker() as session:
        with pytest.raises(NotFound):
            await service.replay(session, uuid.uuid4(), utcnow())


async def test_history_past_retention_is_purged_but_waiting_work_is_kept(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    from services.worker.context import WorkerContext
    from services.worker.main import purge_webhooks

    created = await factories.webhook_endpoint(tenant)
    path = f"/v1/webhook-endpoints/{created['id']}/test"
    old, waiting = [(await tenant.http.post(path, headers=tenant.admin)).json() for _ in "ab"]
    long_ago = utcnow() - timedelta(days=settings.webhook_retention_days + 1)
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE webhook_deliveries SET status = 'succeeded', finished_at = :t "
                "WHERE id = :id"
            ),
            {"t": long_ago, "id": uuid.UUID(old["id"])},
        )
        await conn.execute(
            sa.text("UPDATE outbox_events SET dispatched_at = :t WHERE id = ANY(:ids)"),
            {"t": long_ago, "ids": [uuid.UUID(old["event_id"]), uuid.UUID(waiting["event_id"])]},
        )
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    assert await purge_webhooks({"app": wc}) >= 2
    gone = await tenant.http.get(f"/v1/webhook-deliveries/{old['id']}", headers=tenant.admin)
    assert_problem(gone, 404)
    kept = await tenant.http.get(f"/v1/webhook-deliveries/{waiting['id']}", headers=tenant.admin)
    assert kept.json()["status"] == "pending"
    async with resources.engine.connect() as conn:
        events = set(
            await conn.scalars(
                sa.text("SELECT id FROM outbox_events WHERE id = ANY(:ids)"),
                {"ids": [uuid.UUID(old["event_id"]), uuid.UUID(waiting["event_id"])]},
            )
        )
    assert events == {uuid.UUID(waiting["event_id"])}
