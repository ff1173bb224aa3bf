"""PERF-1: 1,000,000 metric snapshots through the API (100 batches of 10,000) until merged.

In the same run: a row-by-row ORM insert baseline (one INSERT per row, the naive way) and a
raw `COPY` of the same rows into the same table, so the end-to-end rate is read against
both ends of what the machine can do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson

from bench import common

WHAT = "Ingest 1,000,000 snapshots through the API (100 x 10,000) until merged"
TARGET = ">= 50,000 rows/s end to end; >= 20x a row-by-row ORM insert; ratio to raw COPY"

BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "100"))
ROWS = 10_000
ITEMS = 100
CLIENTS = 2  # concurrent API clients sending batches
ORM_ROWS = 5_000
START = datetime(2025, 1, 1, tzinfo=UTC)


def batch_rows(items: list[str], batch: int) -> list[dict[str, Any]]:
    """Batch `b` covers 100 hours of every item: 1,000,000 distinct keys in all."""
    rows = []
    for i in range(ROWS):
        item, hour = items[i % ITEMS], batch * (ROWS // ITEMS) + i // ITEMS
        rows.append(
            {
                "content_item_id": item,
                "period_start": (START + timedelta(hours=hour)).isoformat(),
                "granularity": "hour",
                "impressions": 1000 + i,
                "reach": 800 + i,
                "likes": 40,
                "comments": 4,
                "shares": 2,
                "saves": 3,
                "clicks": 12,
                "spend": "3.20",
                "source": "meta_insights_v23",
            }
        )
    return rows


def workload(api: common.Api, name: str) -> tuple[dict[str, str], list[bytes]]:
    """A new workspace with ITEMS content items, and the BATCHES JSON bodies to ingest."""
    created = api.workspace(name)
    headers = {"Authorization": f"Bearer {created['api_key']['key']}"}
    account = httpx.post(
        f"{api.base}/v1/social-accounts",
        json={"platform": "instagram", "handle": "@bench", "external_id": "bench"},
        headers=headers,
    ).json()
    items = [
        httpx.post(
            f"{api.base}/v1/content-items",
            json={"social_account_id": account["id"], "format": "post", "caption": "x"},
            headers=headers,
        ).json()["id"]
        for _ in range(ITEMS)
    ]
    return headers, [orjson.dumps({"snapshots": batch_rows(items, b)}) for b in range(BATCHES)]


def _snapshot(workspace: uuid.UUID, item: uuid.UUID, hour: int) -> dict[str, Any]:
    return {
        "workspace_id": workspace,
        "target_id": item,
        "granularity": "hour",
        "period_start": START + timedelta(hours=hour),
        "content_item_id": item,
        "impressions": 1000 + hour,
        "reach": 800,
        "likes": 40,
        "clicks": 12,
        "spend": Decimal("3.20"),
        "source": "meta_insights_v23",
        "batch_id": uuid.uuid4(),
        "batch_seq": 0,
    }


async def _orm_baseline(database_url: str) -> float:
    """The naive way: one ORM object, one INSERT round trip per row."""
    from shared.config import Settings
    from shared.db.engine import make_engine, make_sessionmaker
    from shared.db.partitions import ensure
    from shared.metrics.models import MetricSnapshot

    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/0")
    engine = make_engine(settings, pool_size=1)
    workspace, item = uuid.uuid4(), uuid.uuid4()
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await ensure(
                session,
                "metric_snapshots",
                [START + timedelta(hours=h) for h in range(0, ORM_ROWS, 24)],
            )
        started = time.perf_counter()
        async with make_sessionmaker(engine)() as session, session.begin():
            for hour in range(ORM_ROWS):
                session.add(MetricSnapshot(**_snapshot(workspace, item, hour)))
                await session.flush()
        return ORM_ROWS / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def _copy_baseline(database_url: str, rows: int) -> float:
    """The floor of the machine: COPY of the same number of rows into the same table."""
    import asyncpg

    from shared.metrics.models import MetricSnapshot

    columns = list(_snapshot(uuid.uuid4(), uuid.uuid4(), 0))
    workspace = uuid.uuid4()
    items = [uuid.uuid4() for _ in range(ITEMS)]
    records = [
        tuple(_snapshot(workspace, items[i % ITEMS], i // ITEMS).values()) for i in range(rows)
    ]
    conn = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        await conn.copy_records_to_table(
            MetricSnapshot.__tablename__, records=records, columns=columns
        )
        return rows / (time.perf_counter() - started)
    finally:
        await conn.close()


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and its living descendants, from /proc: on
    a shared machine, what the work cost, whatever else ran beside it."""
    children: dict[int, list[int]] = {}
    own: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            own[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += own.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def _postmaster() -> int | None:
    """The embedded PostgreSQL's postmaster (None for a given DATABASE_URL)."""
    pid_file = common.DATA_DIR / "postgres" / "postmaster.pid"
    if os.environ.get("DATABASE_URL") or not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def run() -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        api = common.start_api(stack, database_url, redis_url, "perf1")
        base, env = api.base, api.env
        worker_log = common.log_path("perf1-worker.log")
        worker = common.spawn(
            stack, [common.PYTHON, "-m", "cli.main", "worker"], log=worker_log, env=env
        )
        headers, bodies = workload(api, "Bench ingestion")
        postmaster = _postmaster()
        roots = [api.process.pid, worker.pid, *([postmaster] if postmaster else [])]
        cpu_before = [_cpu_seconds(pid) for pid in roots]

        started = time.perf_counter()
        ids = asyncio.run(
            common.post_batches(base, headers, "/v1/metric-snapshots", bodies, CLIENTS)
        )
        accepted = time.perf_counter() - started
        asyncio.run(common.wait_batches(base, headers, ids, worker, worker_log))
        elapsed = time.perf_counter() - started
        total = BATCHES * ROWS
        end_to_end = total / elapsed
        # ms of CPU per 10,000 rows: the API, the worker, PostgreSQL (connections that
        # closed during the run are not counted: the pools keep theirs open).
        cpu = [
            round((_cpu_seconds(pid) - before) * 1000 / (total / ROWS))
            for pid, before in zip(roots, cpu_before, strict=True)
        ]

        orm = asyncio.run(_orm_baseline(database_url))
        copy = asyncio.run(_copy_baseline(database_url, total))

    return {
        "figures": {
            "rows": total,
            "end_to_end_rows_per_s": round(end_to_end),
            "accept_rows_per_s": round(total / accepted),
            "orm_rows_per_s": round(orm),
            "copy_rows_per_s": round(copy),
            "ratio_to_orm": round(end_to_end / orm, 1),
            "ratio_to_copy": round(end_to_end / copy, 3),
            "seconds": round(elapsed, 1),
            "cpu_ms_per_batch_api": cpu[0],
            "cpu_ms_per_batch_worker": cpu[1],
            **({"cpu_ms_per_batch_postgres": cpu[2]} if postmaster else {}),
        },
        "units": {
            "rows": "rows",
            "end_to_end_rows_per_s": "rows/s",
            "accept_rows_per_s": "rows/s (POSTs until the last 202)",
            "orm_rows_per_s": "rows/s",
            "copy_rows_per_s": "rows/s",
            "ratio_to_orm": "x",
            "ratio_to_copy": "x",
            "seconds": "s",
            "cpu_ms_per_batch_api": "ms CPU per 10,000 rows",
            "cpu_ms_per_batch_worker": "ms CPU per 10,000 rows",
            "cpu_ms_per_batch_postgres": "ms CPU per 10,000 rows",
        },
        "met": end_to_end >= 50_000 and end_to_end / orm >= 20,
        "summary": (
            f"{end_to_end:,.0f} rows/s end to end ({total:,} rows in {elapsed:.1f} s) = "
            f"{end_to_end / orm:,.1f}x the row-by-row ORM insert ({orm:,.0f} rows/s), "
            f"{end_to_end / copy:.1%} of a raw COPY ({copy:,.0f} rows/s)"
        ),
        "notes": [
            f"{BATCHES} POSTs of {ROWS:,} rows ({len(bodies[0]) / 1e6:.1f} MB of JSON each) "
            f"from {CLIENTS} concurrent clients, timed from the first POST until every batch "
            f"reads `succeeded`; the API with its default API_WORKERS "
            f"({common.api_processes()} processes here), one worker process.",
            f"ORM baseline: {ORM_ROWS:,} MetricSnapshot objects, add + flush each (one "
            "INSERT round trip per row), one transaction.",
            "COPY: asyncpg copy_records_to_table of the same number of rows straight into "
            "metric_snapshots (no validation, no merge).",
            "cpu_ms_per_batch_*: CPU time (user + system, /proc) of the API process, the "
            "worker process and PostgreSQL's processes per 10,000-row batch, from the first "
            "POST until merged: on a shared machine, the comparable cost of the work.",
        ],
    }
