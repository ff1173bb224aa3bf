"""OPS-4, API-9 and REL-3: probes, metrics, the OpenAPI document, database restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from services.api.main import close_resources, create_app, open_resources
from shared.config import Settings
from shared.db.migrate import upgrade
from shared.embedded import EmbeddedPostgres
from tests.conftest import OPERATOR_TOKEN, Tenant, offline_app


async def test_documentation_routes_are_labelled_by_their_path(
    client: httpx.AsyncClient,
) -> None:
    """Issue 18: `/docs` and `/openapi.json` were counted as `route="unmatched"`."""
    for path in ("/docs", "/redoc", "/openapi.json", "/no-such-page"):
        await client.get(path)
    text = (await client.get("/metrics")).text
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert f'smm_http_requests_total{{method="GET",route="{path}",status="200"}}' in text
    assert 'route="unmatched",status="404"' in text


async def test_metrics_expose_requests_jobs_and_outbox(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    response = await client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'smm_http_requests_total{method="GET",route="/v1/campaigns",status="200"}' in text
    for name in (
        "smm_http_request_duration_seconds_bucket",
        "smm_queue_depth",
        "smm_outbox_undispatched",
        "smm_outbox_oldest_undispatched_seconds",
    ):
        assert name in text


def test_every_operation_is_documented() -> None:
    app = offline_app()
    schema = app.openapi()
    ids = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            assert operation.get("summary"), (method, path)
            if not path.startswith("/v1/"):
                continue
            documented = set(operation["responses"])
            assert {"401", "422", "429"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)
            if method in {"post", "patch"}:
                assert {"400", "413"} <= documented, (method, path)
            if method == "patch":
                assert "412" in documented, (method, path)
    assert len(ids) == len(set(ids))
    components = schema["components"]["schemas"]
    for name in (
        "CampaignCreate",
        "ContentItemCreate",
        "SocialAccountCreate",
        "ApiKeyCreate",
        "SavedAudienceCreate",
        "RetargetingAudienceCreate",
        "LookalikeAudienceCreate",
    ):
        assert components[name].get("examples"), name
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "request_id"} <= set(problem["properties"])


async def test_postgres_restart_is_503_then_recovers_without_restarting_the_api(
    settings: Settings, tmp_path: Path
) -> None:
    postgres = EmbeddedPostgres(tmp_path / "pg", durable=False)
    postgres.start()
    try:
        url = postgres.create_database("smm")
        await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
        own = settings.model_copy(update={"database_url": url})
        resources = await open_resources(own)
        transport = httpx.ASGITransport(app=create_app(own, resources), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            created = await http.post(
                "/v1/workspaces",
                json={"name": "REL-3"},
                headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
            )
            headers = {"Authorization": f"Bearer {created.json()['api_key']['key']}"}
            assert (await http.get("/v1/campaigns", headers=headers)).status_code == 200

            postgres.stop()
            down = await http.get("/v1/campaigns", headers=headers)
            assert down.status_code == 503
            assert down.headers["retry-after"] == "5"
            assert down.headers["content-type"] == "application/problem+json"

            postgres.start()
            statuses = [
                (await http.get("/v1/campaigns", headers=headers)).status_code for _ in range(3)
            ]
            assert statuses[-1] == 200  # at most the stale pooled connections fail first
            assert set(statuses) <= {200, 503}
        await close_resources(resources)
    finally:
        postgres.stop()
