"""Many processes, one truth (issue 22): two API processes and three worker processes on
one PostgreSQL and one Redis, under a mixed load, do every piece of work once.

Everything here is real: `smm api` and `smm worker` processes, a loopback webhook
receiver. What is counted is the work's effect (events in the outbox, webhooks received,
rows written), not the jobs' bookkeeping, so a job run twice would show."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.embedded import free_port
from tests.conftest import OPERATOR_TOKEN
from tests.helpers.receiver import Receiver
from tests.helpers.waiting import wait_until
from tests.worker_process import spawn_smm, spawn_worker

BATCHES = 12
ROWS_PER_BATCH = 500
MENTION_BATCHES = 6
MENTIONS_PER_BATCH = 40
DUE_ITEMS = 6


def start_api(settings: Settings, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    assert settings.secrets_key is not None
    env = {
        **os.environ,
        "DATABASE_URL": str(settings.database_url),
        "REDIS_URL": str(settings.redis_url),
        "SECRETS_KEY": settings.secrets_key.get_secret_value(),
        "SMM_ADMIN_TOKEN": OPERATOR_TOKEN,
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "API_WORKERS": "1",
        "RATE_LIMIT_PER_MINUTE": "100000",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "WARNING",
    }
    return spawn_smm("api", env, log), f"http://127.0.0.1:{port}"


def ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(log.read_text()[-3000:])


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def scalar(resources: Resources, sql: str, **params: Any) -> Any:
    async with resources.engine.connect() as conn:
        return await conn.scalar(sa.text(sql), params)


async def outbox_counts(resources: Resources, workspace: uuid.UUID) -> Counter[str]:
    """The workspace's outbox events by type: each is one effect of the work."""
    async with resources.engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT type, count(*) FROM outbox_events WHERE workspace_id = :w GROUP BY type"
            ),
            {"w": workspace},
        )
        return Counter({kind: int(count) for kind, count in rows})


@pytest.fixture
def apis(settings: Settings, tmp_path: Path) -> Any:
    started = [start_api(settings, tmp_path / f"api{n}.log") for n in range(2)]
    try:
        for n, (process, base) in enumerate(started):
            ready(base, process, tmp_path / f"api{n}.log")
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(30)


@pytest.mark.timeout(300)  # five processes to start, and the whole load to settle
async def test_two_apis_and_three_workers_do_each_piece_of_work_once(
    settings: Settings,
    resources: Resources,
    apis: list[str],
    receiver: Receiver,
    worker_processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("CRISIS_EVAL_INTERVAL_SECONDS", "5")
    monkeypatch.setenv("ANALYSIS_PROCESSES", "0")
    logs = [tmp_path / f"worker{n}.log" for n in range(3)]
    for log in logs:
        worker_processes.append(spawn_worker(settings, log))

    clients = [httpx.AsyncClient(base_url=base, timeout=60) for base in apis]
    turn = itertools.cycle(clients)
    try:
        made = await clients[0].post(
            "/v1/workspaces",
            json={"name": "Agence Multi"},
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        )
        assert made.status_code == 201, made.text
        workspace = made.json()["workspace"]["id"]
        auth = {"Authorization": f"Bearer {made.json()['api_key']['key']}"}

        async def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
            response = await next(turn).request(method, path, json=body, headers=auth)
            assert response.status_code < 300, (path, response.text)
            return response.json() if response.content else {}

        inbox = receiver.inbox()
        await call("POST", "/v1/webhook-endpoints", {"url": inbox.url})
        account = await call(
            "POST",
            "/v1/social-accounts",
            {"platform": "instagram", "handle": "@multi", "external_id": "multi"},
        )
        campaign = await call(
            "POST", "/v1/campaigns", {"name": "Scale", "objective": "sales", "budget": "9000.00"}
        )
        items = [
            await call(
                "POST",
                "/v1/content-items",
                {
                    "social_account_id": account["id"],
                    "format": "post",
                    "campaign_id": campaign["id"],
                    "scheduled_at": in_seconds(20 + n),
                },
            )
            for n in range(DUE_ITEMS)
        ]
        for item in items:
            for status in ("in_review", "approved", "scheduled"):
                await call("PATCH", f"/v1/content-items/{item['id']}", {"status": status})
        await call("POST", "/v1/tracked-terms", {"term": "Multi", "kind": "brand"})
        await call(
            "POST",
            "/v1/escalation-policies",
            {
                "name": "storm",
                "min_mentions": 5,
                "levels": [{"level": "watch", "negative_share": 0.3}],
            },
        )
        segment = await call(
            "POST",
            "/v1/audiences",
            {
                "kind": "retargeting",
                "name": "carts",
                "rule": {"include": [{"event": "add_to_cart", "within_days": 7}]},
            },
        )

        day0 = datetime(2025, 1, 1, tzinfo=UTC)  # 6,000 hours, all in the past

        async def snapshot_batch(n: int) -> dict[str, Any]:
            rows = [
                {
                    "content_item_id": items[i % DUE_ITEMS]["id"],
                    "period_start": (day0 + timedelta(hours=n * ROWS_PER_BATCH + i)).isoformat(),
                    "granularity": "hour",
                    "impressions": 10,
                    "clicks": 1,
                }
                for i in range(ROWS_PER_BATCH)
            ]
            return await call("POST", "/v1/metric-snapshots", {"snapshots": rows})

        async def mention_batch(n: int) -> dict[str, Any]:
            rows = [
                {
                    "platform": "x",
                    "external_id": f"multi-{n}-{i}",
                    "author_handle": "@client",
                    "text": "Multi: colis perdu, service client injoignable, honteux 😡",
                    "posted_at": in_seconds(-60),
                }
                for i in range(MENTIONS_PER_BATCH)
            ]
            return await call("POST", "/v1/mentions", {"mentions": rows})

        async def events(n: int) -> dict[str, Any]:
            rows = [
                {
                    "event_id": f"e-{n}-{i}",
                    "visitor_id": f"v{i}",
                    "type": "add_to_cart",
                    "occurred_at": in_seconds(-3600),
                    "channel": "instagram",
                    "campaign_id": campaign["id"],
                }
                for i in range(50)
            ]
            return await call("POST", "/v1/events", {"events": rows})

        work = await asyncio.gather(
            *(snapshot_batch(n) for n in range(BATCHES)),
            *(mention_batch(n) for n in range(MENTION_BATCHES)),
            *(events(n) for n in range(3)),
        )
        snapshot_batches = [w["id"] for w in work[:BATCHES]]
        runs = [
            await call(
                "POST",
                "/v1/attribution-runs",
                {"from": in_seconds(-86400 * 7), "to": in_seconds(0)},
            )
            for _ in range(2)
        ]
        refreshes = [await call("POST", f"/v1/audiences/{segment['id']}/refresh") for _ in range(3)]

        ws = uuid.UUID(workspace)

        async def settled() -> bool:
            pending = await scalar(
                resources,
                "SELECT count(*) FROM jobs WHERE workspace_id = :w AND status <> 'done'",
                w=ws,
            )
            due = await scalar(
                resources,
                "SELECT count(*) FROM content_items WHERE workspace_id = :w "
                "AND status = 'scheduled'",
                w=ws,
            )
            events = await scalar(
                resources, "SELECT count(*) FROM outbox_events WHERE workspace_id = :w", w=ws
            )
            received = len({r.headers["webhook-id"] for r in inbox.received})
            return bool(pending == 0 and due == 0 and received >= events > 0)

        def tails() -> str:
            return "\n".join(log.read_text()[-1500:] for log in logs)

        await wait_until(settled, 200, what=tails, every=0.5)
        outbox = await outbox_counts(resources, ws)
    finally:
        for client in clients:
            await client.aclose()

    # Every batch merged once: its rows once, one ingest.completed each.
    stored = await scalar(
        resources, "SELECT count(*) FROM metric_snapshots WHERE workspace_id = :w", w=ws
    )
    assert stored == BATCHES * ROWS_PER_BATCH
    assert outbox["ingest.completed"] == BATCHES
    statuses = await scalar(
        resources,
        "SELECT array_agg(DISTINCT status) FROM ingest_batches WHERE id = ANY(:ids)",
        ids=[uuid.UUID(b) for b in snapshot_batches],
    )
    assert statuses == ["succeeded"]
    # Every mention stored once; the storm opened one alert, whichever worker evaluated.
    mentions = await scalar(
        resources, "SELECT count(*) FROM mentions WHERE workspace_id = :w", w=ws
    )
    assert mentions == MENTION_BATCHES * MENTIONS_PER_BATCH
    assert outbox["alert.opened"] == 1
    # Each run and refresh computed once; each due item released once by the cron.
    assert outbox["attribution.completed"] == len(runs)
    assert outbox["segment.computed"] == len(refreshes)
    assert outbox["content_item.due"] == DUE_ITEMS
    # Every event delivered, one webhook-id each, never twice.
    delivered = Counter(r.headers["webhook-id"] for r in inbox.received)
    assert sum(outbox.values()) == len(delivered)
    assert set(delivered.values()) == {1}
