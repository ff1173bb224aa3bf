"""Pull connectors (issue 21) against a local fake of Meta's Graph API
(`tests/helpers/fake_platform.py`, replaying recorded shapes): the account's media edge
page by page, a 429 slept through, a longer throttle deferred to a later pull, an expired
token marking the account `needs_reauth` with its webhook, a refused metric null with its
reason while the rest syncs, and a pull on schedule by a real worker."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs.platforms import sync_account
from shared.config import Settings
from shared.db.uow import unit_of_work
from shared.platforms.jobs import SyncAccount
from tests import factories
from tests.conftest import Tenant
from tests.helpers.fake_platform import FakeGraph, Scripted, recorded
from tests.helpers.metrics import merged
from tests.helpers.outbox import outbox_events
from tests.helpers.waiting import wait_until
from tests.worker_process import spawn_worker

ACCOUNT = "17841400000000001"
VIEWS = {"m1": 100, "m2": 200, "m3": 300, "m4": 400, "m5": 500}


def media_values(views: int) -> dict[str, int]:
    return {
        "views": views,
        "reach": views // 2,
        "likes": 10,
        "comments": 2,
        "shares": 1,
        "saved": 3,
        "total_interactions": 16,
    }


async def published_as(resources: Resources, item_id: str, media_id: str) -> None:
    """What the publishing system's callback records (`POST .../publish`), written here."""
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE content_items SET external_post_id = :media, status = 'published', "
                "published_at = now() WHERE id = :id"
            ),
            {"media": media_id, "id": uuid.UUID(item_id)},
        )


async def connected(
    tenant: Tenant,
    resources: Resources,
    fake: FakeGraph,
    published: tuple[str, ...] = ("m2", "m3", "m5"),
    **body: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    """An Instagram account with credentials, five media on the fake platform, and content
    items for some of them."""
    fake.media = list(VIEWS)
    fake.values = {media: media_values(views) for media, views in VIEWS.items()}
    account = await factories.social_account(tenant, platform="instagram", external_id=ACCOUNT)
    items = {}
    for media in published:
        item = await factories.content_item(tenant, account)
        await published_as(resources, item["id"], media)
        items[media] = item["id"]
    response = await tenant.http.put(
        f"/v1/social-accounts/{account['id']}/credentials",
        json={"access_token": fake.token, "api_version": "v23.0"} | body,
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    return response.json(), items


def pulling(settings: Settings, fake: FakeGraph, max_wait: float = 5.0) -> Settings:
    return settings.model_copy(
        update={"meta_graph_base_url": fake.url, "platform_max_wait_seconds": max_wait}
    )


async def pull(tenant: Tenant, resources: Resources, settings: Settings, account_id: str) -> None:
    """The worker's job, run when the test says."""
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = SyncAccount(account_id=uuid.UUID(account_id))
        await sync_account(uow, wc, uuid.UUID(tenant.id), job)


async def merge_all(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    batches = (await tenant.http.get("/v1/ingest-batches", headers=tenant.admin)).json()["items"]
    for batch in batches:
        if batch["status"] == "queued":
            assert (await merged(tenant, resources, settings, batch))["status"] == "succeeded"


async def by_item(tenant: Tenant) -> dict[str, dict[str, Any]]:
    got = await tenant.http.get("/v1/metric-snapshots", headers=tenant.admin)
    assert got.status_code == 200, got.text
    return {s["content_item_id"]: s for s in got.json()["items"]}


async def account_of(tenant: Tenant, account_id: str) -> dict[str, Any]:
    got = await tenant.http.get(f"/v1/social-accounts/{account_id}", headers=tenant.admin)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def test_a_pull_pages_through_the_media_edge_and_syncs_each_published_item(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, items = await connected(tenant, resources, fake_graph)
    assert "access_token" not in account
    assert fake_graph.token not in str(account)
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])

    pages = [c for c in fake_graph.calls if c.path.endswith("/media")]
    assert [c.query.get("after") for c in pages] == [None, "2", "4"]  # 5 media, 2 a page
    assert all(c.authorization == f"Bearer {fake_graph.token}" for c in fake_graph.calls)
    asked = [c for c in fake_graph.calls if c.path.endswith("/insights")]
    assert sorted(c.path for c in asked) == [f"/v23.0/{m}/insights" for m in ("m2", "m3", "m5")]
    # what v23 still reports, never the retired impressions or plays
    assert set(asked[0].query["metric"].split(",")) == {
        "views",
        "reach",
        "likes",
        "comments",
        "shares",
        "saved",
        "total_interactions",
    }
    await merge_all(tenant, resources, settings)
    stored = await by_item(tenant)
    assert {media: stored[item]["impressions"] for media, item in items.items()} == {
        "m2": 200,
        "m3": 300,
        "m5": 500,
    }
    assert stored[items["m3"]]["reach"] == 150
    assert stored[items["m3"]]["unreported"] == {"video_views": "deprecated"}
    after = await account_of(tenant, account["id"])
    assert after["last_synced_at"] is not None
    assert after["last_sync_error"] is None


async def test_a_429_is_slept_through_and_the_pull_goes_on(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, items = await connected(tenant, resources, fake_graph, published=("m1",))
    fake_graph.script.append(
        Scripted(429, recorded("meta_error_rate_limit"), {"Retry-After": "1"}, on="/insights")
    )
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])
    first, second = [c for c in fake_graph.calls if c.path.endswith("/insights")]
    assert second.at - first.at >= 1.0  # it waited as Retry-After said
    await merge_all(tenant, resources, settings)
    assert (await by_item(tenant))[items["m1"]]["impressions"] == 100
    assert (await account_of(tenant, account["id"]))["last_sync_error"] is None


async def test_a_long_throttle_defers_the_next_pull_past_it(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, _ = await connected(tenant, resources, fake_graph)
    usage = recorded("headers")["meta_buc_usage_throttled"]
    fake_graph.script.append(
        Scripted(
            400,
            recorded("meta_error_rate_limit_buc_80002"),
            {"X-Business-Use-Case-Usage": usage},
            on="/insights",
        )
    )
    before = datetime.now(UTC)
    await pull(tenant, resources, pulling(settings, fake_graph, max_wait=5), account["id"])
    after = await account_of(tenant, account["id"])
    assert "rate limited" in after["last_sync_error"]
    assert datetime.fromisoformat(after["next_sync_at"]) > before + timedelta(seconds=5)
    assert len([c for c in fake_graph.calls if c.path.endswith("/insights")]) == 1  # it stopped
    assert after["connection"] == "connected"


async def test_an_expired_token_marks_the_account_and_sends_its_webhook(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, _ = await connected(tenant, resources, fake_graph)
    fake_graph.token = "a-newer-token-the-account-does-not-have"  # the platform refuses ours
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])
    after = await account_of(tenant, account["id"])
    assert after["connection"] == "needs_reauth"
    assert "Session has expired" in after["last_sync_error"]
    [event] = await outbox_events(resources, tenant.id, "social_account.needs_reauth")
    assert event.data["account_id"] == account["id"]
    assert (event.data["platform"], event.data["handle"]) == ("instagram", account["handle"])
    calls = len(fake_graph.calls)
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])
    assert len(fake_graph.calls) == calls  # no pull until new credentials
    sync = await tenant.http.post(f"/v1/social-accounts/{account['id']}/sync", headers=tenant.admin)
    assert sync.status_code == 409, sync.text


async def test_a_token_past_its_expiry_is_not_even_sent(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, _ = await connected(tenant, resources, fake_graph, expires_at="2026-01-01T00:00:00Z")
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])
    assert fake_graph.calls == []
    assert (await account_of(tenant, account["id"]))["connection"] == "needs_reauth"
    assert len(await outbox_events(resources, tenant.id, "social_account.needs_reauth")) == 1


async def test_a_refused_metric_is_null_with_its_reason_and_the_rest_syncs(
    tenant: Tenant, resources: Resources, settings: Settings, fake_graph: FakeGraph
) -> None:
    account, items = await connected(tenant, resources, fake_graph)
    fake_graph.refuses["m3"] = {"shares"}  # the whole request fails, naming no metric
    await pull(tenant, resources, pulling(settings, fake_graph), account["id"])
    await merge_all(tenant, resources, settings)
    stored = await by_item(tenant)
    m3 = stored[items["m3"]]
    assert m3["shares"] is None
    assert m3["unreported"] == {"shares": "deprecated", "video_views": "deprecated"}
    assert (m3["impressions"], m3["likes"], m3["saves"]) == (300, 10, 3)
    assert stored[items["m2"]]["shares"] == 1  # the others keep it
    assert stored[items["m5"]]["impressions"] == 500


async def test_credentials_are_encrypted_at_rest_and_only_admins_set_them(
    tenant: Tenant, resources: Resources, fake_graph: FakeGraph
) -> None:
    account, _ = await connected(tenant, resources, fake_graph)
    async with resources.engine.connect() as conn:
        stored = await conn.scalar(
            sa.text("SELECT access_token_encrypted FROM social_accounts WHERE id = :id"),
            {"id": uuid.UUID(account["id"])},
        )
    assert stored
    assert fake_graph.token not in stored
    editor = await tenant.key("editor")
    refused = await tenant.http.put(
        f"/v1/social-accounts/{account['id']}/credentials",
        json={"access_token": "x", "api_version": "v23.0"},
        headers=editor,
    )
    assert refused.status_code == 403, refused.text
    cleared = await tenant.http.delete(
        f"/v1/social-accounts/{account['id']}/credentials", headers=tenant.admin
    )
    assert cleared.json()["connection"] is None


async def test_a_real_worker_pulls_on_schedule(
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
    fake_graph: FakeGraph,
    worker_processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    account, items = await connected(tenant, resources, fake_graph, sync_interval_minutes=15)
    assert account["next_sync_at"] is not None  # due now
    log = tmp_path / "worker.log"
    worker_processes.append(spawn_worker(pulling(settings, fake_graph), log))

    async def synced() -> bool:
        stored = await by_item(tenant)
        return all(stored.get(item, {}).get("impressions") for item in items.values())

    await wait_until(synced, 90, what=lambda: log.read_text()[-3000:], every=0.5)
    after = await account_of(tenant, account["id"])
    assert after["last_synced_at"] is not None
    next_pull = datetime.fromisoformat(after["next_sync_at"])
    assert next_pull > datetime.now(UTC) + timedelta(minutes=14)  # the next tick, not now
