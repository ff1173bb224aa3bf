"""PERF-6: a retargeting audience refreshed over 10,000,000 events and 1,000,000 visitors.

Events (90 days, every type) are COPYed into PostgreSQL (not timed); the refresh of a
cart-abandoner audience with tiers goes through the API and one worker process, timed
from the `202` to `succeeded`: the rule's grouped scan, the members replaced, the sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np

from bench import common

WHAT = "Segments: refresh of a retargeting audience over 10,000,000 events, 1,000,000 visitors"
TARGET = "< 30 s"

EVENTS = int(os.environ.get("BENCH_SEGMENT_EVENTS", "10000000"))
VISITORS = int(os.environ.get("BENCH_SEGMENT_VISITORS", "1000000"))
DAYS = 90
TYPES = ("impression", "engagement", "click", "visit", "add_to_cart", "lead", "purchase")
#: Funnel-shaped: most events are touchpoints, few are purchases.
WEIGHTS = (0.40, 0.20, 0.15, 0.15, 0.06, 0.02, 0.02)
CHUNK = 1_000_000


async def _load(database_url: str, workspace: uuid.UUID, now: datetime) -> None:
    import asyncpg

    from shared.db.partitions import months_between, next_month

    rng = np.random.default_rng(6)
    conn = await asyncpg.connect(database_url)
    try:
        for month in months_between(now - timedelta(days=DAYS + 1), now):
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "events_y{month.year:04d}m{month.month:02d}" '
                f"PARTITION OF events FOR VALUES FROM ('{month.isoformat()}') "
                f"TO ('{next_month(month).isoformat()}')"
            )
        for offset in range(0, EVENTS, CHUNK):
            size = min(CHUNK, EVENTS - offset)
            visitors = rng.integers(0, VISITORS, size=size)
            kinds = rng.choice(len(TYPES), size=size, p=WEIGHTS)
            seconds = rng.uniform(60, DAYS * 86400, size=size)
            records = [
                (
                    workspace,
                    f"e{offset + i}",
                    now - timedelta(seconds=float(seconds[i])),
                    f"v{visitors[i]}",
                    TYPES[kinds[i]],
                    "instagram",
                )
                for i in range(size)
            ]
            await conn.copy_records_to_table(
                "events",
                records=records,
                columns=[
                    "workspace_id",
                    "event_id",
                    "occurred_at",
                    "visitor_id",
                    "type",
                    "channel",
                ],
            )
        await conn.execute("ANALYZE events")
    finally:
        await conn.close()


def run() -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        api = common.start_api(stack, database_url, redis_url, "perf6")
        worker_log = common.log_path("perf6-worker.log")
        worker = common.spawn(
            stack, [common.PYTHON, "-m", "cli.main", "worker"], log=worker_log, env=api.env
        )
        created = api.workspace("Bench segments")
        headers = {"Authorization": f"Bearer {created['api_key']['key']}"}
        load_started = time.perf_counter()
        asyncio.run(_load(database_url, uuid.UUID(created["workspace"]["id"]), datetime.now(UTC)))
        load_s = time.perf_counter() - load_started
        with httpx.Client(base_url=api.base, headers=headers, timeout=60) as http:
            audience = http.post(
                "/v1/audiences",
                json={
                    "kind": "retargeting",
                    "name": "Cart abandoners 30 days",
                    "rule": {
                        "include": [{"event": "add_to_cart", "within_days": 30}],
                        "exclude": [{"event": "purchase", "within_days": 30}],
                        "tiers": True,
                    },
                    "refresh_every_minutes": 10_080,
                },
            ).json()
            started = time.perf_counter()
            response = http.post(f"/v1/audiences/{audience['id']}/refresh")
            common.finished(http, response, worker, worker_log)
            elapsed = time.perf_counter() - started
            read = http.get(f"/v1/audiences/{audience['id']}").json()
    return {
        "figures": {
            "refresh_s": round(elapsed, 2),
            "events": EVENTS,
            "visitors": VISITORS,
            "members": read["size"],
            "tier_counts": read["tier_counts"],
            "load_s": round(load_s, 1),
        },
        "units": {"refresh_s": "s", "events": "events", "visitors": "visitors", "load_s": "s"},
        "met": elapsed < 30,
        "summary": (
            f"refresh over {EVENTS:,} events and {VISITORS:,} visitors: {elapsed:.1f} s "
            f"(target 30 s), {read['size']:,} members"
        ),
        "notes": [
            "Cart abandoners over 30 days with tiers: one grouped scan of the window's "
            "events, members replaced, sizes and tiers updated, segment.computed emitted.",
            "Timed from the refresh's 202 to `succeeded` (one API and one worker process); "
            "loading the events (COPY, not timed) took load_s.",
        ],
    }
