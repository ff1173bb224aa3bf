"""Metric snapshot ingestion (ING-1..ING-4, SEC-3): validated all or nothing, stored before
the 202, merged set-based with replace / last-wins / idempotent-replay semantics."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from arq.connections import RedisSettings, create_pool

from services.api.main import create_app
from services.api.state import Resources
from services.worker.context import WorkerContext
from shared.config import Settings
from shared.embedded import EmbeddedRedis
from shared.jobs.queue import ArqJobQueue
from shared.jobs.service import SWEEP_GRACE, sweep
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.metrics import DAY, ingest, merged, row
from tests.helpers.outbox import outbox_events
from tests.helpers.problems import assert_problem


async def stored(resources: Resources, workspace_id: str) -> tuple[int, int, int]:
    """(batches, pending rows, snapshots) of a workspace."""
    async with resources.engine.connect() as conn:
        result = (
            await conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM ingest_batches WHERE workspace_id = :w), "
                    "(SELECT count(*) FROM ingest_rows r JOIN ingest_batches b "
                    " ON b.workspace_id = r.workspace_id AND b.id = r.batch_id"
                    " WHERE b.workspace_id = :w), "
                    "(SELECT count(*) FROM metric_snapshots WHERE workspace_id = :w)"
                ),
                {"w": uuid.UUID(workspace_id)},
            )
        ).one()
    return int(result[0]), int(result[1]), int(result[2])


async def snapshots(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    got = await tenant.http.get("/v1/metric-snapshots", params=params, headers=tenant.admin)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


@pytest.fixture
async def item(tenant: Tenant) -> factories.ContentItem:
    campaign = await factories.campaign(tenant)
    return await factories.content_item(tenant, campaign_id=campaign["id"])


async def test_an_accepted_batch_is_durable_then_merged(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    response = await ingest(
        tenant,
        [row(item, impressions=1000, likes=40, comments=5, shares=3, saves=2, spend="12.50")],
    )
    assert response.status_code == 202, response.text
    batch = response.json()
    assert (batch["status"], batch["row_count"], batch["inserted"]) == ("queued", 1, None)
    assert response.headers["location"] == f"/v1/ingest-batches/{batch['id']}"
    assert await stored(resources, tenant.id) == (1, 1, 0)  # stored before any merge

    done = await merged(tenant, resources, settings, batch)
    assert (done["status"], done["inserted"], done["updated"]) == ("succeeded", 1, 0)
    assert done["finished_at"]
    assert await stored(resources, tenant.id) == (1, 0, 1)
    [snapshot] = await snapshots(tenant)
    assert snapshot["impressions"] == 1000
    assert snapshot["engagements"] == 50  # likes + comments + shares + saves
    assert snapshot["spend"] == "12.50"
    assert snapshot["clicks"] is None  # not reported: null, never 0
    assert snapshot["campaign_id"] == item["campaign_id"]
    completed = await outbox_events(resources, tenant.id, "ingest.completed")
    events = len([e for e in completed if e.data["batch"]["id"] == batch["id"]])
    assert events == 1


async def test_engagements_are_derived_only_from_all_four_parts(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    rows = [
        row(item, likes=1, comments=1, shares=1),  # saves missing: engagements unknown
        row(item, period_start="2026-11-03T00:00:00Z", engagements=9, likes=1),
    ]
    batch = (await ingest(tenant, rows)).json()
    await merged(tenant, resources, settings, batch)
    first, second = await snapshots(tenant)
    assert first["engagements"] is None
    assert second["engagements"] == 9


async def test_a_resent_row_replaces_and_the_last_row_of_a_batch_wins(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    first = (await ingest(tenant, [row(item, impressions=100, clicks=7)])).json()
    await merged(tenant, resources, settings, first)
    restated = [row(item, impressions=110, clicks=8), row(item, impressions=120)]
    second = await merged(tenant, resources, settings, (await ingest(tenant, restated)).json())
    assert (second["inserted"], second["updated"]) == (0, 1)
    [snapshot] = await snapshots(tenant)
    assert (snapshot["impressions"], snapshot["clicks"]) == (120, None)


async def test_an_identical_replay_changes_nothing(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    rows = [row(item, impressions=100), row(item, period_start="2026-11-03T00:00:00Z", reach=5)]
    first = await merged(tenant, resources, settings, (await ingest(tenant, rows)).json())
    assert (first["inserted"], first["updated"]) == (2, 0)
    before = await snapshots(tenant)
    again = await merged(tenant, resources, settings, (await ingest(tenant, rows)).json())
    assert (again["inserted"], again["updated"]) == (0, 0)
    assert await snapshots(tenant) == before  # updated_at included


async def test_a_merge_job_run_twice_merges_once(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    batch = (await ingest(tenant, [row(item, impressions=100)])).json()
    await merged(tenant, resources, settings, batch)
    again = await merged(tenant, resources, settings, batch)
    assert (again["status"], again["inserted"], again["updated"]) == ("succeeded", 1, 0)


async def test_idempotency_key_replays_the_batch(
    tenant: Tenant, item: dict[str, Any], resources: Resources
) -> None:
    rows = [row(item, impressions=100)]
    first = await ingest(tenant, rows, **{"Idempotency-Key": "nightly-2026-11-02"})
    second = await ingest(tenant, rows, **{"Idempotency-Key": "nightly-2026-11-02"})
    assert second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert (await stored(resources, tenant.id))[0] == 1


async def test_a_campaign_level_row_and_filters(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    campaign = {"id": item["campaign_id"], "objective": "sales"}
    rows = [
        row(campaign, spend="100.00"),
        row(item, impressions=10),
        row(item, period_start="2026-11-02T13:00:00Z", granularity="hour", impressions=1),
    ]
    await merged(tenant, resources, settings, (await ingest(tenant, rows)).json())
    assert len(await snapshots(tenant, campaign_id=item["campaign_id"])) == 3
    assert len(await snapshots(tenant, content_item_id=item["id"])) == 2
    assert len(await snapshots(tenant, granularity="hour")) == 1
    assert len(await snapshots(tenant, **{"from": "2026-11-02T12:00:00Z"})) == 1
    assert len(await snapshots(tenant, to="2026-11-02T00:00:00Z")) == 0
    page = await tenant.http.get("/v1/metric-snapshots", params={"limit": 2}, headers=tenant.admin)
    rest = await snapshots(tenant, cursor=page.json()["next_cursor"])
    seen = [
        (s["period_start"], s["granularity"], s["content_item_id"])
        for s in page.json()["items"] + rest
    ]
    assert len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"impressions": -1}, "impressions"),
        ({"clicks": 1.5}, "clicks"),
        ({"clicks": "12"}, "clicks"),
        ({"spend": "NaN"}, "spend"),
        ({"spend": "Infinity"}, "spend"),
        ({"spend": 12.5}, "spend"),
        ({"spend": "-3.00"}, "spend"),
        ({"period_start": "2026-11-02T00:00:00"}, "period_start"),  # naive
        ({"period_start": "2026-11-02T01:00:00Z"}, "period_start"),  # not a day boundary
        # 22:00 UTC, 23:00 in Paris (the workspace's zone): midnight in neither.
        ({"period_start": "2026-11-02T00:00:00+02:00"}, "period_start"),
        ({"granularity": "hour", "period_start": "2026-11-02T10:30:00Z"}, "period_start"),
        ({"period_start": "2099-01-01T00:00:00Z"}, "period_start"),
        ({"granularity": "week"}, "granularity"),
        ({"social_account_id": str(uuid.uuid4())}, "social_account_id"),
        ({"content_item_id": str(uuid.uuid4())}, "content_item_id"),  # unknown
        ({"reach": 1, "new_metric": 3}, "new_metric"),
    ],
)
async def test_one_bad_row_refuses_the_batch_and_names_it(
    tenant: Tenant, item: dict[str, Any], resources: Resources, bad: dict[str, Any], field: str
) -> None:
    rows = [row(item, impressions=1), row(item, **({"impressions": 2} | bad))]
    problem = assert_problem(await ingest(tenant, rows), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert [e["loc"][2:4] for e in errors] == [[1, field]], errors
    assert await stored(resources, tenant.id) == (0, 0, 0)


async def test_every_bad_row_is_listed(tenant: Tenant, item: dict[str, Any]) -> None:
    rows = [
        row(item, impressions=-1),
        row(item, impressions=1),
        row(item, period_start="2026-11-02T05:00:00Z"),
        {"period_start": DAY, "granularity": "day"},
    ]
    problem = assert_problem(await ingest(tenant, rows), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    # The schema's error and the rules' in one answer, by row (tests/metrics/test_every_bad_row.py).
    assert [(e["loc"][2], e["loc"][3]) for e in errors] == [
        (0, "impressions"),
        (2, "period_start"),
        (3, "content_item_id"),
    ]


async def test_another_workspaces_ids_are_bad_rows(
    make_tenant: TenantFactory, resources: Resources
) -> None:
    a, b = await make_tenant("Brand A"), await make_tenant("Brand B")
    theirs = await factories.content_item(b)
    problem = assert_problem(await ingest(a, [row(theirs, impressions=5)]), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors[0]["type"] == "unknown_reference"
    assert await stored(resources, a.id) == (0, 0, 0)


async def test_10001_rows_are_refused_and_10000_accepted(
    tenant: Tenant, item: dict[str, Any], resources: Resources, roomy: httpx.AsyncClient
) -> None:
    rows = [
        row(item, granularity="hour", period_start=f"{moment:%Y-%m-%dT%H}:00:00Z", reach=i)
        for i, moment in enumerate(
            datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(10_001)
        )
    ]
    too_many = await roomy.post(
        "/v1/metric-snapshots", json={"snapshots": rows}, headers=tenant.admin
    )
    problem = assert_problem(too_many, 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors[0]["loc"] == ["body", "snapshots"]
    accepted = await roomy.post(
        "/v1/metric-snapshots", json={"snapshots": rows[:10_000]}, headers=tenant.admin
    )
    assert accepted.status_code == 202, accepted.text[:500]
    assert await stored(resources, tenant.id) == (1, 10_000, 0)


async def test_an_oversized_body_is_413_and_stores_nothing(
    tenant: Tenant, item: dict[str, Any], resources: Resources
) -> None:
    rows = [row(item, impressions=i, source="x" * 90) for i in range(3000)]  # > 256 KiB
    assert_problem(await ingest(tenant, rows), 413)
    assert await stored(resources, tenant.id) == (0, 0, 0)


async def test_a_row_names_exactly_one_target(tenant: Tenant, item: dict[str, Any]) -> None:
    both = row(item, impressions=1) | {"campaign_id": item["campaign_id"]}
    neither = {"period_start": DAY, "granularity": "day", "impressions": 1}
    problem = assert_problem(await ingest(tenant, [both, neither]), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert [(e["loc"][2], e["type"]) for e in errors] == [(0, "one_target"), (1, "one_target")]


async def test_partitions_are_prepared_ahead_and_made_on_demand(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    from services.worker.main import prepare_partitions
    from shared.db.partitions import month_start, next_month, partition_name

    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    await prepare_partitions({"app": wc})
    this_month = month_start(datetime.now(UTC))
    ahead = [this_month, next_month(this_month), next_month(next_month(this_month))]
    # A backfill of an old month gets its partition when it is merged.
    old = row(item, period_start="2019-03-05T00:00:00Z", impressions=3)
    await merged(tenant, resources, settings, (await ingest(tenant, [old])).json())
    async with resources.engine.connect() as conn:
        names = set(
            await conn.scalars(
                sa.text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'metric_snapshots'::regclass"
                )
            )
        )
    expected = {partition_name("metric_snapshots", m) for m in ahead}
    assert expected | {"metric_snapshots_y2019m03"} <= names
    assert len(await snapshots(tenant, to="2020-01-01T00:00:00Z")) == 1


async def test_batches_accepted_while_redis_is_down_are_all_merged(
    tenant: Tenant,
    item: dict[str, Any],
    resources: Resources,
    settings: Settings,
    tmp_path: Path,
) -> None:
    """REL-2 / ING-5: the 202 needs only Postgres; the sweeper queues the merges later."""
    from tests.worker.conftest import run_burst

    redis = EmbeddedRedis(tmp_path / "redis")
    redis_url = redis.start()
    restarted = EmbeddedRedis(tmp_path / "redis", port=redis.port)
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    app = create_app(settings, replace(resources, redis=pool))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    queue = f"arq:test:{uuid.uuid4().hex}"
    try:
        redis.stop()
        accepted = []
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for day in range(1, 4):
                response = await http.post(
                    "/v1/metric-snapshots",
                    json={
                        "snapshots": [
                            row(item, period_start=f"2026-10-0{day}T00:00:00Z", reach=day)
                        ]
                    },
                    headers=tenant.admin,
                )
                assert response.status_code == 202, response.text
                accepted.append(response.json()["id"])
        restarted.start()
        later = datetime.now(UTC) + SWEEP_GRACE + timedelta(seconds=1)
        for _ in range(3):  # the pool's old connections fail once, then reconnect
            async with resources.sessionmaker() as session:
                await sweep(session, ArqJobQueue(pool, queue), later)
            if await pool.zcard(queue):
                break
        wc = WorkerContext(settings, resources.engine, resources.sessionmaker, pool)
        await run_burst(wc, redis_url, queue)
        for batch_id in accepted:
            got = await tenant.http.get(f"/v1/ingest-batches/{batch_id}", headers=tenant.admin)
            assert (got.json()["status"], got.json()["inserted"]) == ("succeeded", 1)
        assert len(await snapshots(tenant)) == 3
    finally:
        await pool.aclose()
        redis.stop()
        restarted.stop()


async def test_an_earlier_batch_merged_late_does_not_overwrite_a_later_one(
    tenant: Tenant, item: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    earlier = (await ingest(tenant, [row(item, impressions=100)])).json()
    later = (await ingest(tenant, [row(item, impressions=200)])).json()
    await merged(tenant, resources, settings, later)
    late = await merged(tenant, resources, settings, earlier)  # a retry, another worker...
    assert (late["status"], late["inserted"], late["updated"]) == ("succeeded", 0, 0)
    [snapshot] = await snapshots(tenant)
    assert snapshot["impressions"] == 200


async def test_a_batch_whose_merge_failed_for_good_reads_failed(
    tenant: Tenant, item: dict[str, Any], resources: Resources
) -> None:
    batch = (await ingest(tenant, [row(item, impressions=1)])).json()
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE jobs SET status = 'failed', last_error = 'disk full', finished_at = now() "
                "WHERE id = (SELECT job_id FROM ingest_batches WHERE id = :b)"
            ),
            {"b": uuid.UUID(batch["id"])},
        )
    got = (await tenant.http.get(f"/v1/ingest-batches/{batch['id']}", headers=tenant.admin)).json()
    assert (got["status"], got["error"]) == ("failed", "disk full")
    assert got["finished_at"]


async def test_ingest_batches_list_newest_first_by_status(
    tenant: Tenant,
    item: dict[str, Any],
    resources: Resources,
    settings: Settings,
    make_tenant: TenantFactory,
) -> None:
    first = (await ingest(tenant, [row(item, impressions=1)])).json()
    second = (await ingest(tenant, [row(item, impressions=2)])).json()
    await merged(tenant, resources, settings, first)

    async def listed(**params: str) -> list[tuple[str, str]]:
        got = await tenant.http.get("/v1/ingest-batches", params=params, headers=tenant.admin)
        assert got.status_code == 200, got.text
        return [(b["id"], b["status"]) for b in got.json()["items"]]

    assert await listed() == [(second["id"], "queued"), (first["id"], "succeeded")]
    assert await listed(status="queued") == [(second["id"], "queued")]
    assert await listed(kind="mentions") == []
    assert await listed(limit="1") == [(second["id"], "queued")]
    other = await make_tenant(name="Other")
    got = await other.http.get("/v1/ingest-batches", headers=other.admin)
    assert got.json()["items"] == []
