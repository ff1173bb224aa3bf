"""PERF-SCALE (issue 22): how ingestion and mention throughput grow from 1 to 3 worker
processes on one PostgreSQL and one Redis.

For each count of workers, a fresh workspace gets the same work through the API: snapshot
batches of 10,000 rows (PERF-1's rows) and mention batches of 5,000 (PERF-4's posts),
timed from the first POST until every batch reads `succeeded`. The workers are real
`smm worker` processes sharing the queue; the API runs with its default API_WORKERS.
Reported only: on a 2-core machine, three workers compete with the API and PostgreSQL
for the same cores, and the figures say how much that still gains.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import common, perf1_ingest, perf4_mentions

WHAT = "Ingestion and mention throughput with 1, 2 and 3 worker processes"
TARGET = "reported: growth from 1 to 3 workers"

WORKERS = (1, 2, 3)
SNAPSHOT_BATCHES = int(os.environ.get("BENCH_SCALE_SNAPSHOT_BATCHES", "30"))
MENTION_BATCHES = int(os.environ.get("BENCH_SCALE_MENTION_BATCHES", "8"))


def _throughput(
    api: common.Api,
    workers: list[common.Process],
    log: Any,
    path: str,
    headers: dict[str, str],
    bodies: list[bytes],
    per_batch: int,
) -> float:
    started = time.time()
    ids = asyncio.run(common.post_batches(api.base, headers, path, bodies, 2))
    last = asyncio.run(common.wait_batches(api.base, headers, ids, workers[0], log))
    return len(bodies) * per_batch / (last - started)


def measure(
    database_url: str, redis_url: str, workers: tuple[int, ...] = WORKERS, **settings: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Snapshot rows/s and mentions/s for each count of worker processes, on these
    services (`settings` as the API's and workers' environment)."""
    random.seed(22)
    texts = perf4_mentions._texts()
    figures: dict[str, Any] = {}
    units: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        api = common.start_api(stack, database_url, redis_url, "scale", **settings)
        for count in workers:
            with contextlib.ExitStack() as workers_stack:
                log = common.log_path(f"scale-{count}-worker.log")
                processes = [
                    common.spawn(
                        workers_stack,
                        [common.PYTHON, "-m", "cli.main", "worker"],
                        log=common.log_path(f"scale-{count}-worker{n}.log") if n else log,
                        env=api.env,
                    )
                    for n in range(count)
                ]
                time.sleep(3)  # every worker polls the queue before the first batch
                headers, snapshots = perf1_ingest.workload(api, f"Scale {count} snapshots")
                rows_per_s = _throughput(
                    api,
                    processes,
                    log,
                    "/v1/metric-snapshots",
                    headers,
                    snapshots[:SNAPSHOT_BATCHES],
                    perf1_ingest.ROWS,
                )
                # PERF-4's workspace: a brand term to match and a policy to evaluate
                headers = perf4_mentions._workspace(api, f"Scale {count} mentions", None)
                now = datetime.now(UTC)
                mentions = perf4_mentions._bodies(
                    texts, MENTION_BATCHES, now - timedelta(minutes=50), timedelta(minutes=50)
                )
                mentions_per_s = _throughput(
                    api, processes, log, "/v1/mentions", headers, mentions, perf4_mentions.BATCH
                )
            figures[f"snapshot_rows_per_s_{count}_workers"] = round(rows_per_s)
            figures[f"mentions_per_s_{count}_workers"] = round(mentions_per_s)
            units[f"snapshot_rows_per_s_{count}_workers"] = "rows/s"
            units[f"mentions_per_s_{count}_workers"] = "mentions/s"
    return figures, units


def run() -> dict[str, Any]:
    with common.services() as (database_url, redis_url):
        figures, units = measure(database_url, redis_url)
    first, last = WORKERS[0], WORKERS[-1]
    rows_gain = (
        figures[f"snapshot_rows_per_s_{last}_workers"]
        / figures[f"snapshot_rows_per_s_{first}_workers"]
    )
    mention_gain = (
        figures[f"mentions_per_s_{last}_workers"] / figures[f"mentions_per_s_{first}_workers"]
    )
    figures.update(
        snapshot_gain_1_to_3=round(rows_gain, 2), mention_gain_1_to_3=round(mention_gain, 2)
    )
    units.update(snapshot_gain_1_to_3="x", mention_gain_1_to_3="x")
    return {
        "figures": figures,
        "units": units,
        "met": None,
        "summary": (
            "snapshots "
            + ", ".join(f"{figures[f'snapshot_rows_per_s_{n}_workers']:,} rows/s" for n in WORKERS)
            + f" with {'/'.join(map(str, WORKERS))} workers ({rows_gain:.2f}x from 1 to 3); "
            + "mentions "
            + ", ".join(f"{figures[f'mentions_per_s_{n}_workers']:,}/s" for n in WORKERS)
            + f" ({mention_gain:.2f}x)"
        ),
        "notes": [
            f"{SNAPSHOT_BATCHES} batches of {perf1_ingest.ROWS:,} snapshot rows and "
            f"{MENTION_BATCHES} batches of {perf4_mentions.BATCH:,} mentions (PERF-4's posts, a "
            "brand term, an escalation policy, no baseline history) per worker count, "
            "from 2 concurrent clients, each on a fresh workspace, timed from the first POST "
            "until every batch reads `succeeded`.",
            f"The machine's cores: {os.cpu_count()}; the API with its default API_WORKERS "
            f"({common.api_processes()} processes here), every process on the same cores.",
        ],
    }
