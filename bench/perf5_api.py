"""PERF-5: `GET /v1/campaigns/{id}` under 64 concurrent clients.

The real API (`smm api`, one uvicorn worker, real PostgreSQL and Redis) against a bare
Starlette endpoint served the same way: the ratio of their throughputs is what the
framework, auth, middleware and the database round trip cost on this machine.
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
TARGET = "reported: throughput as a ratio of a bare Starlette JSON endpoint, p99 latency"
CONNECTIONS = 64
DURATION_S = float(os.environ.get("BENCH_DURATION", "12"))
WARMUP_S = float(os.environ.get("BENCH_WARMUP", "3"))


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


def run() -> dict[str, Any]:
    from shared.crypto import generate_key
    from shared.db.migrate import upgrade
    from shared.embedded import free_port

    with contextlib.ExitStack() as stack:
        database_url, redis_url = stack.enter_context(common.services())
        upgrade(database_url)

        admin_token = secrets.token_urlsafe(24)
        api_port = free_port()
        api_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMM_ADMIN_TOKEN": admin_token,
            "SECRETS_KEY": generate_key(),
            "API_HOST": "127.0.0.1",
            "API_PORT": str(api_port),
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_PER_MINUTE": "100000000",
        }
        api_log = common.log_path("perf5-api.log")
        api = common.spawn(
            stack, [common.PYTHON, "-m", "cli.main", "api"], log=api_log, env=api_env
        )
        api_base = f"http://127.0.0.1:{api_port}"
        common.wait_ok(f"{api_base}/readyz", api, api_log)
        key, path, body = _seed(api_base, admin_token)

        body_file = common.log_path("perf5-baseline-body.json")
        body_file.write_text(json.dumps(body))
        baseline_port = free_port()
        baseline_log = common.log_path("perf5-baseline.log")
        baseline = common.spawn(
            stack,
            [common.PYTHON, "-m", "bench.baseline_app", str(baseline_port), str(body_file)],
            log=baseline_log,
        )
        baseline_url = f"http://127.0.0.1:{baseline_port}{path}"
        common.wait_ok(baseline_url, baseline, baseline_log)

        tool = common.load_generator_name()
        print(
            f"{ID}: {CONNECTIONS} connections, {WARMUP_S:g} s warm-up + {DURATION_S:g} s "
            f"each, load generator: {tool}",
            flush=True,
        )

        def load(url: str, headers: dict[str, str]) -> common.Load:
            return common.measure(
                url, headers, connections=CONNECTIONS, duration=DURATION_S, warmup=WARMUP_S
            )

        bare = load(baseline_url, {})
        print(f"{ID}: baseline {bare.requests_per_s:,.0f} req/s, p99 {bare.p99_ms} ms", flush=True)
        measured = load(f"{api_base}{path}", {"Authorization": f"Bearer {key}"})
        print(
            f"{ID}: API {measured.requests_per_s:,.0f} req/s, p99 {measured.p99_ms} ms", flush=True
        )
        for name, process, log in (("API", api, api_log), ("baseline", baseline, baseline_log)):
            if process.poll() is not None:
                raise common.BenchError(f"{name} died during the run\n{common.tail(log)}")
        failed = measured.non_2xx + measured.socket_errors
        if failed or measured.requests == 0:
            raise common.BenchError(
                f"{ID}: the API failed {measured.non_2xx} requests with a non-2xx status and "
                f"{measured.socket_errors} with socket errors out of {measured.requests}; "
                f"see {api_log}\n{common.tail(api_log)}"
            )

    ratio = measured.requests_per_s / bare.requests_per_s if bare.requests_per_s else 0.0
    return {
        "what": WHAT,
        "target": TARGET,
        "met": None,  # no threshold in the spec: the figures are the result
        "figures": {
            "api_requests_per_s": measured.requests_per_s,
            "baseline_requests_per_s": bare.requests_per_s,
            "throughput_ratio": round(ratio, 4),
            "api_p50_ms": measured.p50_ms,
            "api_p99_ms": measured.p99_ms,
            "baseline_p50_ms": bare.p50_ms,
            "baseline_p99_ms": bare.p99_ms,
            "api_non_2xx": measured.non_2xx,
        },
        "summary": (
            f"{measured.requests_per_s:,.0f} req/s = {ratio:.1%} of bare Starlette "
            f"({bare.requests_per_s:,.0f} req/s); p50 {measured.p50_ms:.1f} ms, "
            f"p99 {measured.p99_ms:.1f} ms"
        ),
        "units": {
            "api_requests_per_s": "requests/s",
            "baseline_requests_per_s": "requests/s",
            "throughput_ratio": "api / baseline",
            "api_p50_ms": "ms",
            "api_p99_ms": "ms",
            "baseline_p50_ms": "ms",
            "baseline_p99_ms": "ms",
            "api_non_2xx": "responses",
        },
        "runs": {"api": measured.figures(), "baseline": bare.figures()},
        "load_generator": tool,
        "notes": [
            f"{CONNECTIONS} keep-alive connections, {WARMUP_S:g} s warm-up then "
            f"{DURATION_S:g} s measured per target, baseline first, then the API.",
            "Servers, PostgreSQL, Redis and the load generator share the same cores: "
            "absolute figures are lower than on separate machines; the ratio is the figure.",
            "Both servers: uvicorn, 1 worker, default loop/http (uvloop, httptools), "
            "access log off, LOG_LEVEL=WARNING; rate limit raised out of the way.",
            "The baseline returns the same JSON body as the API for the same URL shape.",
            "wrk counts as non-2xx every status >= 400."
            if tool.startswith("wrk")
            else "Latency percentiles are nearest-rank over every request.",
        ],
    }
