"""PERF-WH: webhook delivery throughput and latency (issue "Outgoing webhooks").

A real worker process (its dispatcher) delivers outbox events of one workspace to 10
endpoints on a local receiver process. Events are written as the application writes them
(rows in `outbox_events`, whose insert trigger wakes the dispatcher).

- throughput: a backlog of events committed in batches; events/s from the first commit
  to the last delivery's arrival (each event is 10 deliveries);
- latency: events committed one per transaction at a steady rate; for each delivery,
  the receiver's arrival time minus the commit's return time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
import uuid
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bench import common

WHAT = "Webhooks: events delivered to a local receiver with 10 endpoints"
TARGET = "reported: events/s delivered (10 signed deliveries each), p95 commit -> 2xx latency"

ENDPOINTS = 10
BACKLOG_EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "3000"))
BATCH = 250
STEADY_EVENTS = 200
STEADY_RATE = 20.0  # events/s in the latency phase

DATA = {
    "campaign": {
        "id": "00000000-0000-0000-0000-000000000000",
        "name": "Spring launch",
        "objective": "sales",
        "status": "active",
        "starts_at": "2026-03-01T08:00:00Z",
        "ends_at": "2026-03-31T22:00:00Z",
        "budget": "15000.00",
        "currency": "EUR",
        "platforms": ["instagram", "facebook", "tiktok"],
        "audience_ids": [],
        "targets": {"cpa": "25.00", "roas": "3.5"},
        "utm": {"source": "instagram", "medium": "paid_social", "campaign": "spring"},
    },
    "previous_status": "scheduled",
}


async def _setup(database_url: str, secrets_key: str, port: int) -> uuid.UUID:
    from shared.config import Settings
    from shared.db.engine import make_engine, make_sessionmaker
    from shared.db.uow import unit_of_work
    from shared.webhooks import service as webhooks
    from shared.webhooks.schemas import EndpointCreate
    from shared.workspaces import service as workspaces
    from shared.workspaces.schemas import WorkspaceCreate

    settings = Settings(
        database_url=database_url,
        redis_url="redis://127.0.0.1:1/0",
        secrets_key=secrets_key,
        webhook_allow_private=True,
    )
    engine = make_engine(settings, pool_size=2)
    try:
        async with unit_of_work(make_sessionmaker(engine), None) as uow:
            workspace, _ = await workspaces.create_workspace(
                uow, WorkspaceCreate(name="Bench webhooks")
            )
            for i in range(ENDPOINTS):
                body = EndpointCreate.model_validate({"url": f"http://127.0.0.1:{port}/e{i}"})
                await webhooks.create_endpoint(uow, workspace.id, body, settings)
        return workspace.id
    finally:
        await engine.dispose()


_INSERT = sa.text(
    "INSERT INTO outbox_events (id, workspace_id, type, data, occurred_at) "
    "SELECT unnest(CAST(:ids AS uuid[])), :w, 'campaign.status_changed', "
    "CAST(:data AS jsonb), now()"
)


async def _write(
    database_url: str, workspace_id: uuid.UUID, batches: list[list[uuid.UUID]], pause: float
) -> dict[uuid.UUID, float]:
    """Commit each batch in its own transaction; the wall time each commit returned."""
    from shared.config import asyncpg_url

    engine = create_async_engine(asyncpg_url(database_url), pool_size=1, hide_parameters=True)
    committed: dict[uuid.UUID, float] = {}
    data = orjson.dumps(DATA).decode()
    try:
        async with engine.connect() as conn:
            for batch in batches:
                started = time.monotonic()
                async with conn.begin():
                    await conn.execute(_INSERT, {"ids": batch, "w": workspace_id, "data": data})
                done = time.time()
                committed.update(dict.fromkeys(batch, done))
                if pause:
                    await asyncio.sleep(max(0.0, pause - (time.monotonic() - started)))
    finally:
        await engine.dispose()
    return committed


def _arrivals(base: str) -> list[tuple[str, str, float]]:
    response = httpx.get(f"{base}/arrivals", timeout=30)
    response.raise_for_status()
    return [(path, webhook_id, at) for path, webhook_id, at in response.json()]


def _wait_for(base: str, count: int, worker: Any, log: Any, timeout: float) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        arrived = _arrivals(base)
        if len(arrived) >= count:
            return arrived
        if worker.poll() is not None:
            raise common.BenchError(f"the worker exited\n{common.tail(log)}")
        if time.monotonic() > deadline:
            raise common.BenchError(
                f"{len(arrived)} of {count} deliveries after {timeout:.0f} s\n{common.tail(log)}"
            )
        time.sleep(0.1)


def run() -> dict[str, Any]:
    from shared.crypto import generate_key
    from shared.db.migrate import upgrade
    from shared.embedded import free_port

    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        upgrade(database_url)
        secrets_key = generate_key()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        receiver_log = common.log_path("webhooks-receiver.log")
        receiver = common.spawn(
            stack, [common.PYTHON, "-m", "bench.receiver", str(port)], log=receiver_log
        )
        common.wait_ok(f"{base}/arrivals", receiver, receiver_log)
        workspace_id = asyncio.run(_setup(database_url, secrets_key, port))

        worker_log = common.log_path("webhooks-worker.log")
        worker = common.spawn(
            stack,
            [common.PYTHON, "-m", "cli.main", "worker"],
            log=worker_log,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "SECRETS_KEY": secrets_key,
                "WEBHOOK_ALLOW_PRIVATE": "true",
                "WORKER_METRICS_PORT": "0",
                "LOG_LEVEL": "WARNING",
            },
        )
        # Warm-up: the worker is up and every endpoint's connection is open.
        asyncio.run(_write(database_url, workspace_id, [[uuid.uuid4()]], 0))
        _wait_for(base, ENDPOINTS, worker, worker_log, 60)

        ids = [uuid.uuid4() for _ in range(BACKLOG_EVENTS)]
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
        started = time.time()
        asyncio.run(_write(database_url, workspace_id, batches, 0))
        expected = ENDPOINTS * (1 + BACKLOG_EVENTS)
        arrived = _wait_for(base, expected, worker, worker_log, 600)
        last = max(at for _, _, at in arrived)
        throughput = BACKLOG_EVENTS / (last - started)

        steady = [[uuid.uuid4()] for _ in range(STEADY_EVENTS)]
        committed = asyncio.run(_write(database_url, workspace_id, steady, 1 / STEADY_RATE))
        expected += ENDPOINTS * STEADY_EVENTS
        arrived = _wait_for(base, expected, worker, worker_log, 120)
        latencies = [
            (at - committed[uuid.UUID(webhook_id)]) * 1000
            for _, webhook_id, at in arrived
            if webhook_id and uuid.UUID(webhook_id) in committed
        ]
        duplicates = len(arrived) - len({(path, wid) for path, wid, _ in arrived})

    p95 = common.percentile(latencies, 0.95)
    return {
        "figures": {
            "events_per_s": round(throughput, 1),
            "deliveries_per_s": round(throughput * ENDPOINTS, 1),
            "backlog_events": BACKLOG_EVENTS,
            "latency_p50_ms": round(statistics.median(latencies), 1),
            "latency_p95_ms": round(p95, 1),
            "latency_p99_ms": round(common.percentile(latencies, 0.99), 1),
            "latency_samples": len(latencies),
            "duplicate_deliveries": duplicates,
        },
        "units": {
            "events_per_s": "events/s",
            "deliveries_per_s": "deliveries/s",
            "backlog_events": "events",
            "latency_p50_ms": "ms",
            "latency_p95_ms": "ms",
            "latency_p99_ms": "ms",
            "latency_samples": "deliveries",
            "duplicate_deliveries": "deliveries",
        },
        "met": None,
        "summary": (
            f"{throughput:,.0f} events/s = {throughput * ENDPOINTS:,.0f} deliveries/s to "
            f"{ENDPOINTS} endpoints; commit -> 2xx p95 {p95:,.1f} ms "
            f"(p50 {statistics.median(latencies):,.1f} ms)"
        ),
        "notes": [
            f"Throughput: {BACKLOG_EVENTS} events committed in transactions of {BATCH}, "
            "timed from the first commit to the last arrival at the receiver.",
            f"Latency: {STEADY_EVENTS} events at {STEADY_RATE:g}/s, one per transaction; "
            "receiver arrival time minus the commit's return, per delivery.",
            "One worker process with default settings (64 attempts in flight, 4 per "
            "endpoint); receiver, worker, PostgreSQL and the writer share the 2 cores.",
            "Every delivery is signed (Standard Webhooks, HMAC-SHA256) and recorded with "
            "its attempt row, as in production.",
            "What limits throughput (py-spy on the worker during this benchmark): the worker "
            "process is CPU-bound on one core while PostgreSQL stays under 10 %; most of it "
            "is httpx/httpcore per request (its pool checks every pooled connection on each "
            "request and release); claiming, fan-out and recording take under 5 %. More "
            "worker processes add throughput: claims use SKIP LOCKED and leases.",
        ],
    }
