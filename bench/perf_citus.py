"""PERF-CITUS (issue 22): PERF-SCALE's work on one PostgreSQL and on a Citus cluster, one
after the other on this machine, with 1 and 2 worker processes.

The cluster is `make test-citus`'s: a coordinator and two workers
(`tools/citus/cluster.sh`), the schema distributed by `DATABASE_DISTRIBUTION=citus`. All
three servers share this machine's cores with the API and the workers, so the figures
say what distribution costs a statement here (a coordinator hop, two-phase commits), not
what nodes of their own would gain. Reported only.
"""

from __future__ import annotations

import subprocess
from typing import Any

from bench import common, perf_scale

WHAT = "PERF-SCALE's ingestion and mentions on one PostgreSQL and on a 3-node Citus cluster"
TARGET = "reported: Citus beside plain PostgreSQL on one machine"

WORKERS = (1, 2)
CLUSTER = common.ROOT / "tools" / "citus" / "cluster.sh"


def _cluster(action: str) -> str:
    done = subprocess.run(
        [str(CLUSTER), action], cwd=common.ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def run() -> dict[str, Any]:
    if not (common.ROOT / ".tools" / "citus" / "built").exists():
        raise common.BenchError("no Citus build: run `make citus` first (root, for apt)")
    figures: dict[str, Any] = {}
    units: dict[str, str] = {}
    with common.services() as (database_url, redis_url):
        plain, plain_units = perf_scale.measure(database_url, redis_url, WORKERS)
        url = _cluster("start")
        try:
            citus, citus_units = perf_scale.measure(
                url, redis_url, WORKERS, DATABASE_DISTRIBUTION="citus"
            )
        finally:
            _cluster("stop")
    for name, value in plain.items():
        figures[f"postgres_{name}"] = value
        units[f"postgres_{name}"] = plain_units[name]
    for name, value in citus.items():
        figures[f"citus_{name}"] = value
        units[f"citus_{name}"] = citus_units[name]
    ratios = {
        name: round(citus[name] / plain[name], 2) for name in plain if plain[name] and name in citus
    }
    figures.update({f"citus_over_postgres_{name}": ratio for name, ratio in ratios.items()})
    units.update({f"citus_over_postgres_{name}": "x" for name in ratios})
    return {
        "figures": figures,
        "units": units,
        "met": None,
        "summary": "; ".join(
            f"{name.replace('_', ' ')}: {plain[name]:,} on PostgreSQL, {citus[name]:,} on Citus "
            f"({ratios[name]:.2f}x)"
            for name in plain
        ),
        "notes": [
            f"{perf_scale.SNAPSHOT_BATCHES} snapshot batches of 10,000 rows and "
            f"{perf_scale.MENTION_BATCHES} mention batches of 5,000 per worker count, as "
            "PERF-SCALE, first on an embedded PostgreSQL, then on a Citus 13.2.2 cluster "
            "(coordinator and two workers on this machine, 4 shards per table: the test "
            "cluster's setting), the same "
            "Redis.",
            "Every server, the API and the workers share this machine's cores.",
        ],
    }
