"""PERF-3: attribution, every model, 1,000,000 paths over 12 channels.

- models: the numpy models over 1,000,000 paths held in memory (what a run computes
  once its paths are built); Markov checked against the straightforward reference
  (`shared/attribution/reference.py`) within 1e-6.
- end to end: the same kind of journeys as tracked events in PostgreSQL (COPY), then
  `POST /v1/attribution-runs` with every model, timed from the `202` to `succeeded`
  (paths built in SQL, every model, three dimensions, results stored).
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

WHAT = "Attribution: every model over 1,000,000 paths and 12 channels"
TARGET = "<= 10 s end to end; markov equal to the reference within 1e-6"

PATHS = int(os.environ.get("BENCH_ATTRIBUTION_PATHS", "1000000"))
CHANNELS = 12
CONVERSION_RATE = 0.05
END = datetime(2026, 10, 1, tzinfo=UTC)


def journeys(count: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lengths, channel ids, days before the end, converted): channel 0 and 1 lift the
    conversion rate, so the models have something to find."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 8, size=count)
    keys = rng.integers(0, CHANNELS, size=int(lengths.sum()))
    days = rng.uniform(0, 29, size=len(keys))
    starts = np.concatenate(([0], np.cumsum(lengths)))
    has = np.zeros((count, 2), dtype=bool)
    for channel in (0, 1):
        has[:, channel] = np.logical_or.reduceat(keys == channel, starts[:-1])
    rate = CONVERSION_RATE * (1 + has[:, 0] + 0.5 * has[:, 1])
    converted = rng.random(count) < rate
    return lengths, keys, days, converted


def _models() -> dict[str, Any]:
    from shared.attribution.algorithms import AttributionModel, attribute
    from shared.attribution.paths import Paths
    from shared.attribution.reference import markov_removal_effects

    lengths, keys, days, converted = journeys(PATHS)
    starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    values = np.where(converted, 4990, 0).astype(np.int64)
    labels = [f"channel{i:02d}" for i in range(CHANNELS)]
    paths = Paths(keys.astype(np.int64), days, starts, converted, values, labels)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    effects = None
    for model in AttributionModel:
        orders = (1, 2, 3) if model == AttributionModel.markov else (1,)
        for order in orders:
            t = time.perf_counter()
            credit = attribute(paths, model, markov_order=order)
            name = f"{model}" + (f"_order{order}" if model == AttributionModel.markov else "")
            timings[name] = round(time.perf_counter() - t, 3)
            if model == AttributionModel.markov and order == 1:
                effects = credit.removal_effects
    total = time.perf_counter() - started
    key_list, starts_list, conv_list = keys.tolist(), starts.tolist(), converted.tolist()
    t = time.perf_counter()
    reference = markov_removal_effects(
        (
            (tuple(labels[k] for k in key_list[starts_list[i] : starts_list[i + 1]]), conv_list[i])
            for i in range(PATHS)
        ),
        1,
    )
    reference_s = time.perf_counter() - t
    assert effects is not None
    gap = max(abs(reference[label] - float(effects[i])) for i, label in enumerate(labels))
    return {"total": total, "timings": timings, "gap": gap, "reference_s": reference_s}


def _copy_events(database_url: str, workspace: uuid.UUID) -> int:
    """The journeys as events: each path's touchpoints, then a purchase an hour after
    its last one when it converts (all inside September 2026)."""
    import asyncpg

    from shared.db.partitions import months_between

    lengths, keys, days, converted = journeys(PATHS)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    channel_names = [f"channel{i:02d}" for i in range(CHANNELS)]
    kinds = ("impression", "engagement", "click", "visit")
    records: list[tuple[Any, ...]] = []
    for p in range(PATHS):
        visitor = f"v{p}"
        last = END
        for j in range(int(starts[p]), int(starts[p + 1])):
            at = END - timedelta(days=float(days[j]) + 1)
            last = min(last, at) if j == starts[p] else last
            records.append(
                (workspace, f"t{j}", at, visitor, kinds[j % 4], channel_names[int(keys[j])], None)
            )
        if converted[p]:
            newest = max(r[2] for r in records[-int(lengths[p]) :])
            records.append(
                (workspace, f"c{p}", newest + timedelta(hours=1), visitor, "purchase", "web", 49.90)
            )

    async def load() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            months = months_between(END - timedelta(days=62), END)
            for month in months:
                nxt = month.replace(month=month.month % 12 + 1, year=month.year + month.month // 12)
                await conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "events_y{month.year:04d}m{month.month:02d}" '
                    f"PARTITION OF events FOR VALUES FROM ('{month.isoformat()}') "
                    f"TO ('{nxt.isoformat()}')"
                )
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
                    "value",
                ],
            )
            await conn.execute("ANALYZE events")
        finally:
            await conn.close()

    asyncio.run(load())
    return len(records)


def run() -> dict[str, Any]:
    models = _models()
    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        api = common.start_api(stack, database_url, redis_url, "perf3")
        worker_log = common.log_path("perf3-worker.log")
        worker = common.spawn(
            stack, [common.PYTHON, "-m", "cli.main", "worker"], log=worker_log, env=api.env
        )
        created = api.workspace("Bench attribution")
        headers = {"Authorization": f"Bearer {created['api_key']['key']}"}
        events = _copy_events(database_url, uuid.UUID(created["workspace"]["id"]))
        with httpx.Client(base_url=api.base, headers=headers, timeout=60) as http:
            started = time.perf_counter()
            response = http.post(
                "/v1/attribution-runs",
                json={
                    "from": (END - timedelta(days=31)).isoformat(),
                    "to": (END + timedelta(days=1)).isoformat(),
                    "lookback_days": 30,
                },
            )
            run = common.finished(http, response, worker, worker_log, every=0.2)
            end_to_end = time.perf_counter() - started

    met = models["total"] < 60 and end_to_end <= 10 and models["gap"] <= 1e-6
    return {
        "figures": {
            "models_s": round(models["total"], 2),
            "end_to_end_s": round(end_to_end, 2),
            "paths": PATHS,
            "run_paths": run["path_count"],
            "run_conversions": run["conversion_count"],
            "events": events,
            "markov_max_gap": float(f"{models['gap']:.3g}"),
            "reference_markov_s": round(models["reference_s"], 2),
            **{f"{name}_s": seconds for name, seconds in models["timings"].items()},
        },
        "units": {"models_s": "s", "end_to_end_s": "s", "markov_max_gap": "abs"},
        "met": met,
        "summary": (
            f"every model over {PATHS:,} paths: {models['total']:.1f} s (models alone), "
            f"{end_to_end:.1f} s end to end from {events:,} events; markov within "
            f"{models['gap']:.1e} of the reference"
        ),
        "notes": [
            "Models: last/first touch, linear, time decay, position based, markov orders "
            "1, 2 and 3, shapley; by channel (the end-to-end run also by campaign and "
            "content item).",
            "End to end: events COPYed into PostgreSQL (not timed), then the run through "
            "the API and one worker process, timed from the 202 to `succeeded`: the run "
            "reads the events as one stream in the (workspace, visitor, time) index's order "
            "and cuts the paths in numpy.",
        ],
    }
