"""PERF-5: `GET /v1/campaigns/{id}` under 64 concurrent clients.

The real API (`smm api`, real PostgreSQL and Redis), with one process and then with its
default API_WORKERS, against two anchors served the same way (uvicorn, one process, the
same pool sizes; `bench/baseline_app.py`): a Starlette + asyncpg endpoint doing the
product's work (the key looked up by hash with its revocation and expiry checks, the
campaign read in the key's workspace, the same JSON bytes), and a bare Starlette endpoint
returning that body. The ratios to them are the figures: what the product costs above the
work itself, and above the stack alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from typing import Any

import httpx

from bench import common

ID = "PERF-5"
WHAT = "API: GET /v1/campaigns/{id} under 64 concurrent clients"
TARGET = ">= 0.5x the same-work Starlette + asyncpg endpoint with one API process"
CONNECTIONS = 64
DURATION_S = float(os.environ.get("BENCH_DURATION", "12"))
WARMUP_S = float(os.environ.get("BENCH_WARMUP", "3"))
TARGET_RATIO = 0.5


def _seed(base_url: str, admin_token: str) -> tuple[str, str, dict[str, Any]]:
    """A workspace, its admin key and one campaign, through the API itself."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        created = client.post(
            "/v1/workspaces",
            json={"name": "Bench"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        if created.status_code != 201:
            raise common.BenchError(f"POST /v1/workspaces: {created.status_code} {created.text}")
        key = created.json()["api_key"]["key"]
        auth = {"Authorization": f"Bearer {key}"}
        campaign = client.post(
            "/v1/campaigns",
            json={"name": "Bench", "objective": "sales", "budget": "1000.00"},
            headers=auth,
        )
        if campaign.status_code != 201:
            raise common.BenchError(f"POST /v1/campaigns: {campaign.status_code} {campaign.text}")
        path = f"/v1/campaigns/{campaign.json()['id']}"
        fetched = client.get(path, headers=auth)
        if fetched.status_code != 200:
            raise common.BenchError(f"GET {path}: {fetched.status_code} {fetched.text}")
        body: dict[str, Any] = fetched.json()
        return key, path, body


def _api(
    stack: contextlib.ExitStack, env: dict[str, str], name: str, workers: str | None
) -> tuple[str, common.Process, Any]:
    from shared.embedded import free_port

    port = free_port()
    api_env = {**env, "API_PORT": str(port)}
    api_env.pop("API_WORKERS", None)
    if workers is not None:
        api_env["API_WORKERS"] = workers
    log = common.log_path(f"perf5-{name}.log")
    process = common.spawn(stack, [common.PYTHON, "-m", "cli.main", "api"], log=log, env=api_env)
    base = f"http://127.0.0.1:{port}"
    common.wait_ok(f"{base}/readyz", process, log, timeout=120)
    return base, process, log


def run() -> dict[str, Any]:
    from shared.config import Settings
    from shared.crypto import generate_key
    from shared.db.migrate import upgrade
    from shared.embedded import free_port

    default_workers = Settings(_env_file=None).api_workers
    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        upgrade(database_url)

        admin_token = secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMM_ADMIN_TOKEN": admin_token,
            "SECRETS_KEY": generate_key(),
            "API_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_PER_MINUTE": "100000000",
        }
        api_base, api, api_log = _api(stack, env, "api", "1")
        key, path, body = _seed(api_base, admin_token)
        auth = {"Authorization": f"Bearer {key}"}

        body_file = common.log_path("perf5-baseline-body.json")
        body_file.write_text(json.dumps(body))
        baseline_port = free_port()
        baseline_log = common.log_path("perf5-baseline.log")
        baseline = common.spawn(
            stack,
            [
                common.PYTHON,
                "-m",
                "bench.baseline_app",
                str(baseline_port),
                str(body_file),
                database_url,
            ],
            log=baseline_log,
        )
        baseline_base = f"http://127.0.0.1:{baseline_port}"
        common.wait_ok(f"{baseline_base}/bare{path}", baseline, baseline_log)
        same = httpx.get(f"{baseline_base}{path}", headers=auth)
        mine = httpx.get(f"{api_base}{path}", headers=auth)
        if same.content != mine.content or same.headers["etag"] != mine.headers["etag"]:
            raise common.BenchError(
                f"the same-work endpoint answers other bytes than the API:\n{same.content!r}"
                f"\n{mine.content!r}"
            )

        tool = common.load_generator_name()
        print(
            f"{ID}: {CONNECTIONS} connections, {WARMUP_S:g} s warm-up + {DURATION_S:g} s "
            f"each, load generator: {tool}",
            flush=True,
        )

        def load(name: str, url: str, headers: dict[str, str]) -> common.Load:
            measured = common.measure(
                url, headers, connections=CONNECTIONS, duration=DURATION_S, warmup=WARMUP_S
            )
            print(
                f"{ID}: {name} {measured.requests_per_s:,.0f} req/s, p99 {measured.p99_ms} ms",
                flush=True,
            )
            return measured

        bare = load("bare Starlette", f"{baseline_base}/bare{path}", {})
        work = load("same-work Starlette + asyncpg", f"{baseline_base}{path}", auth)
        one = load("API, 1 process", f"{api_base}{path}", auth)
        if api.poll() is not None:
            raise common.BenchError(f"the API died during the run\n{common.tail(api_log)}")
        common.stop(api)
        many_base, many, many_log = _api(stack, env, "api-default-workers", None)
        many_run = load(f"API, {default_workers} processes", f"{many_base}{path}", auth)
        for name, process, log in (
            ("API (default workers)", many, many_log),
            ("baseline", baseline, baseline_log),
        ):
            if process.poll() is not None:
                raise common.BenchError(f"{name} died during the run\n{common.tail(log)}")
        for name, measured, log in (("one", one, api_log), ("default", many_run, many_log)):
            failed = measured.non_2xx + measured.socket_errors
            if failed or measured.requests == 0:
                raise common.BenchError(
                    f"{ID}: the API ({name}) failed {measured.non_2xx} requests with a non-2xx "
                    f"status and {measured.socket_errors} with socket errors out of "
                    f"{measured.requests}; see {log}\n{common.tail(log)}"
                )

    def ratio(a: float, b: float) -> float:
        return round(a / b, 4) if b else 0.0

    to_work = ratio(one.requests_per_s, work.requests_per_s)
    to_bare = ratio(one.requests_per_s, bare.requests_per_s)
    many_to_work = ratio(many_run.requests_per_s, work.requests_per_s)
    return {
        "what": WHAT,
        "target": TARGET,
        "met": to_work >= TARGET_RATIO,
        "figures": {
            "api_requests_per_s": one.requests_per_s,
            "api_p50_ms": one.p50_ms,
            "api_p99_ms": one.p99_ms,
            "same_work_requests_per_s": work.requests_per_s,
            "same_work_p99_ms": work.p99_ms,
            "baseline_requests_per_s": bare.requests_per_s,
            "baseline_p99_ms": bare.p99_ms,
            "ratio_to_same_work": to_work,
            "throughput_ratio": to_bare,
            "p99_ratio_to_same_work": ratio(one.p99_ms, work.p99_ms),
            "p99_ratio_to_baseline": ratio(one.p99_ms, bare.p99_ms),
            "api_workers": default_workers,
            "api_workers_requests_per_s": many_run.requests_per_s,
            "api_workers_p99_ms": many_run.p99_ms,
            "api_workers_ratio_to_same_work": many_to_work,
            "api_non_2xx": one.non_2xx,
        },
        "summary": (
            f"1 process: {one.requests_per_s:,.0f} req/s = {to_work:.2f}x the same-work "
            f"Starlette + asyncpg endpoint ({work.requests_per_s:,.0f} req/s), "
            f"{to_bare:.1%} of bare Starlette ({bare.requests_per_s:,.0f} req/s); p99 "
            f"{one.p99_ms:.1f} ms ({work.p99_ms:.1f} and {bare.p99_ms:.1f} ms). "
            f"{default_workers} processes (API_WORKERS default): "
            f"{many_run.requests_per_s:,.0f} req/s = {many_to_work:.2f}x, p99 "
            f"{many_run.p99_ms:.1f} ms"
        ),
        "units": {
            "api_requests_per_s": "requests/s",
            "api_p50_ms": "ms",
            "api_p99_ms": "ms",
            "same_work_requests_per_s": "requests/s",
            "same_work_p99_ms": "ms",
            "baseline_requests_per_s": "requests/s",
            "baseline_p99_ms": "ms",
            "ratio_to_same_work": "api / same-work",
            "throughput_ratio": "api / bare",
            "p99_ratio_to_same_work": "api / same-work",
            "p99_ratio_to_baseline": "api / bare",
            "api_workers": "processes",
            "api_workers_requests_per_s": "requests/s",
            "api_workers_p99_ms": "ms",
            "api_workers_ratio_to_same_work": "api / same-work",
            "api_non_2xx": "responses",
        },
        "runs": {
            "api": one.figures(),
            "api_default_workers": many_run.figures(),
            "same_work": work.figures(),
            "baseline": bare.figures(),
        },
        "load_generator": tool,
        "notes": [
            f"{CONNECTIONS} keep-alive connections, {WARMUP_S:g} s warm-up then "
            f"{DURATION_S:g} s measured per target, in this order: bare Starlette, same-work "
            f"endpoint, API with 1 process, API with API_WORKERS unset ({default_workers}).",
            "Servers, PostgreSQL, Redis and the load generator share the same cores: "
            "absolute figures are lower than on separate machines; the ratios are the figures.",
            "Anchors: uvicorn, 1 worker, default loop/http (uvloop, httptools), access log "
            "off; the same-work endpoint uses an asyncpg pool of 10 to 20 connections (the "
            "API's DB_POOL_SIZE and as many again), two prepared statements, orjson, and "
            "answers the API's bytes and ETag (checked before the run).",
            "API: LOG_LEVEL=WARNING, rate limit raised out of the way (still counted in Redis).",
            "wrk counts as non-2xx every status >= 400."
            if tool.startswith("wrk")
            else "Latency percentiles are nearest-rank over every request.",
        ],
    }
