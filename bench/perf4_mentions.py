"""PERF-4: mentions scored and evaluated, and the alert webhook after a tipping batch.

- Throughput: batches of 5,000 mentions (French and English posts from the labelled
  sets, naming the brand) sent through the API by 2 clients; timed from the first POST to
  the last batch `succeeded`, i.e. stored, scored, matched and evaluated against an
  escalation policy with a week of baseline.
- Latency: in each trial a fresh workspace with a policy and a webhook endpoint on a
  local receiver gets one batch of 5,000 mentions that tips a level; timed from the
  `202` to the `alert.opened` request at the receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import common
from shared.config import Settings

WHAT = "Mentions: 5,000 per batch, scored, matched and evaluated; alert webhook latency"
TARGET = ">= 5,000 mentions/s; alert webhook p95 < 2 s after the tipping batch"

BATCH = 5_000
BATCHES = int(os.environ.get("BENCH_MENTION_BATCHES", "40"))
BASELINE_DAYS = 7
BASELINE = int(os.environ.get("BENCH_MENTION_BASELINE", "100000"))
TRIALS = int(os.environ.get("BENCH_ALERT_TRIALS", "20"))
CLIENTS = 2
DATA = Path(__file__).resolve().parents[1] / "data" / "sentiment"
BRAND = "Éclat"
NEGATIVE = f"{BRAND} arnaque, remboursement refusé 😡"
TIPPING = 2_000


def _texts() -> list[str]:
    """Real-looking posts: the labelled sets' texts with the brand named in each."""
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            text = json.loads(line)["text"]
            texts.append(f"{text} {BRAND}" if random.random() < 0.5 else f"{BRAND} {text}")
    return texts


def _mention(text: str, at: datetime, index: int) -> dict[str, Any]:
    return {
        "platform": random.choice(("x", "instagram", "tiktok", "facebook")),
        "external_id": f"{uuid.uuid4().hex}-{index}",
        "author_handle": f"@user{random.randrange(50_000)}",
        "author_followers": int(random.paretovariate(1.2) * 50),
        "text": text,
        "posted_at": at.isoformat(),
    }


def _bodies(texts: list[str], batches: int, start: datetime, span: timedelta) -> list[bytes]:
    """Mentions spread over [start, start + span)."""
    step = span / (batches * BATCH)
    return [
        orjson.dumps(
            {
                "mentions": [
                    _mention(random.choice(texts), start + step * (b * BATCH + i), i)
                    for i in range(BATCH)
                ]
            }
        )
        for b in range(batches)
    ]


def _workspace(api: common.Api, name: str, receiver: str | None) -> dict[str, str]:
    created = api.workspace(name)
    headers = {"Authorization": f"Bearer {created['api_key']['key']}"}
    with httpx.Client(base_url=api.base, headers=headers, timeout=30) as http:
        http.post("/v1/tracked-terms", json={"term": BRAND, "kind": "brand"}).raise_for_status()
        http.post(
            "/v1/escalation-policies", json={"name": "Brand crisis", "min_mentions": 20}
        ).raise_for_status()
        if receiver is not None:
            http.post(
                "/v1/webhook-endpoints",
                json={"url": receiver, "event_types": ["alert.opened"]},
            ).raise_for_status()
    return headers


def _arrivals(base: str) -> list[tuple[str, str, float]]:
    found: list[tuple[str, str, float]] = httpx.get(f"{base}/arrivals").json()
    return found


def _analyser_rates() -> tuple[float, float, int, str]:
    """The analyser alone on one core, language detected: posts/s on texts it has not
    seen (its word caches cold), then on the same texts again (warm)."""
    from shared.listening import evaluation
    from shared.listening.sentiment import analyse_many, shipped, training

    held_out = evaluation.held_out_sets(training.default_search())
    sets = held_out or evaluation.product_sets()
    texts = list(dict.fromkeys(t for s in sets for t in s.texts))
    shipped()
    analyse_many(["Loaded once per process", "Chargé une fois par processus"])
    rates = []
    for _ in range(2):
        started = time.perf_counter()
        for i in range(0, len(texts), BATCH):
            analyse_many(texts[i : i + BATCH])
        rates.append(len(texts) / (time.perf_counter() - started))
    what = "the training corpora's held-out posts" if held_out else "data/sentiment's posts"
    return rates[0], rates[1], len(texts), what


def run() -> dict[str, Any]:
    from shared.embedded import free_port

    cold, warm, scored, what = _analyser_rates()
    random.seed(4)
    texts = _texts()
    now = datetime.now(UTC)
    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        api = common.start_api(
            stack, database_url, redis_url, "perf4", WEBHOOK_ALLOW_PRIVATE="true"
        )
        env = api.env
        port = free_port()
        receiver_base = f"http://127.0.0.1:{port}"
        receiver_log = common.log_path("perf4-receiver.log")
        receiver = common.spawn(
            stack, [common.PYTHON, "-m", "bench.receiver", str(port)], log=receiver_log
        )
        common.wait_ok(f"{receiver_base}/arrivals", receiver, receiver_log)
        worker_log = common.log_path("perf4-worker.log")
        worker = common.spawn(
            stack, [common.PYTHON, "-m", "cli.main", "worker"], log=worker_log, env=env
        )

        # A week of baseline, then the measured batches over the last 50 minutes: every
        # batch is evaluated against a real baseline and a filling window.
        headers = _workspace(api, "Bench listening", None)
        baseline = _bodies(
            texts,
            max(1, BASELINE // BATCH),
            now - timedelta(days=BASELINE_DAYS, hours=1),
            timedelta(days=BASELINE_DAYS),
        )
        asyncio.run(
            common.wait_batches(
                api.base,
                headers,
                asyncio.run(
                    common.post_batches(api.base, headers, "/v1/mentions", baseline, CLIENTS)
                ),
                worker,
                worker_log,
            )
        )
        bodies = _bodies(texts, BATCHES, now - timedelta(minutes=50), timedelta(minutes=50))
        started = time.time()
        ids = asyncio.run(common.post_batches(api.base, headers, "/v1/mentions", bodies, CLIENTS))
        accepted = time.time() - started
        last = asyncio.run(common.wait_batches(api.base, headers, ids, worker, worker_log))
        elapsed = last - started
        throughput = BATCHES * BATCH / elapsed

        # Latency: each trial tips a fresh workspace's policy with one batch: 2,000
        # negative mentions among 3,000 ordinary ones, over the last 30 minutes.
        latencies = []
        for trial in range(TRIALS):
            at = datetime.now(UTC)
            body = orjson.dumps(
                {
                    "mentions": [
                        _mention(NEGATIVE, at - timedelta(minutes=1), i)
                        if i < TIPPING
                        else _mention(random.choice(texts), at - timedelta(minutes=30), i)
                        for i in range(BATCH)
                    ]
                }
            )
            path = f"/trial-{trial}"
            trial_headers = _workspace(api, f"Bench alert {trial}", receiver_base + path)
            with httpx.Client(base_url=api.base, headers=trial_headers, timeout=60) as http:
                response = http.post(
                    "/v1/mentions", content=body, headers={"content-type": "application/json"}
                )
                accepted_at = time.time()
                if response.status_code != 202:
                    raise common.BenchError(f"{response.status_code}: {response.text[:300]}")
            deadline = time.monotonic() + 60
            while True:
                hits = [at for p, _, at in _arrivals(receiver_base) if p == path]
                if hits:
                    latencies.append((min(hits) - accepted_at) * 1000)
                    break
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise common.BenchError(
                        f"no alert for trial {trial}\n{common.tail(worker_log)}"
                    )
                time.sleep(0.01)

    p95 = common.percentile(latencies, 0.95)
    return {
        "figures": {
            "mentions_per_s": round(throughput, 1),
            "accepted_per_s": round(BATCHES * BATCH / accepted, 1),
            "mentions": BATCHES * BATCH,
            "baseline_mentions": max(1, BASELINE // BATCH) * BATCH,
            "alert_latency_p50_ms": round(statistics.median(latencies), 1),
            "alert_latency_p95_ms": round(p95, 1),
            "alert_latency_max_ms": round(max(latencies), 1),
            "alert_trials": len(latencies),
            "analyser_cold_per_s": round(cold),
            "analyser_warm_per_s": round(warm),
        },
        "units": {
            "mentions_per_s": "mentions/s",
            "accepted_per_s": "mentions/s",
            "mentions": "mentions",
            "baseline_mentions": "mentions",
            "alert_latency_p50_ms": "ms",
            "alert_latency_p95_ms": "ms",
            "alert_latency_max_ms": "ms",
            "alert_trials": "trials",
            "analyser_cold_per_s": "posts/s on one core",
            "analyser_warm_per_s": "posts/s on one core",
        },
        "met": throughput >= 5000 and p95 < 2000,
        "summary": (
            f"{throughput:,.0f} mentions/s scored and evaluated (target 5,000); "
            f"202 -> alert webhook p95 {p95:,.0f} ms (target 2,000)"
        ),
        "notes": [
            f"Throughput: {BATCHES} batches of {BATCH:,} through the API ({CLIENTS} clients), "
            "timed from the first POST to the last batch's `finished_at`; each batch is "
            "stored, scored (language detected), matched and evaluated against a policy "
            f"with {BASELINE_DAYS} days of baseline.",
            f"Latency: {TRIALS} trials, each a fresh workspace whose policy one batch of "
            f"{BATCH:,} tips ({TIPPING:,} negative mentions among ordinary ones); `202` "
            "received -> `alert.opened` "
            "request at the local receiver.",
            "One API process, one worker process (scoring in its pool of "
            f"{Settings().analysis_processes} processes, ANALYSIS_PROCESSES); receiver, "
            "PostgreSQL, Redis and the client share the 2 cores.",
            f"Analyser alone, one core, language detected: {scored:,} distinct posts "
            f"({what}), {cold:,.0f} posts/s the first time it sees their words, "
            f"{warm:,.0f} posts/s the second.",
        ],
    }
