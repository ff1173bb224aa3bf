"""API_WORKERS (issue 19): `smm api` serves in that many processes sharing the port; its
uvicorn config crosses into them (spawned: pickled) with the read limits intact."""

from __future__ import annotations

import asyncio
import os
import pickle
import time
from pathlib import Path

import httpx

from services.api.main import create_app
from services.api.server import APP, ApiConfig, server_config
from shared.config import Settings
from shared.crypto import generate_key
from shared.embedded import free_port
from tests.worker_process import spawn_smm


def test_the_default_is_the_cores_the_api_may_run_on() -> None:
    assert Settings(_env_file=None).api_workers == len(os.sched_getaffinity(0))


def test_the_config_crosses_into_spawned_workers(settings: Settings) -> None:
    config = server_config(settings.model_copy(update={"api_workers": 3}))
    copied = pickle.loads(pickle.dumps(config))
    assert isinstance(copied, ApiConfig)
    assert (copied.app, copied.workers, copied.read_limits) == (APP, 3, config.read_limits)
    # An app object cannot be re-imported by another process: it is served by this one.
    assert server_config(settings, create_app(settings)).workers == 1


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(status.parent.name))
    return found


async def _busy(base: str, *, requests: int, clients: int) -> None:
    """`requests` GET /healthz from `clients` concurrent connections: both processes
    accept some of them."""
    todo = list(range(requests))
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:

        async def client() -> None:
            while todo:
                todo.pop()
                assert (await http.get("/healthz")).status_code == 200

        await asyncio.gather(*(client() for _ in range(clients)))


def _healthz_count(exposition: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith("smm_http_requests_total{") and 'route="/healthz"' in line
    )


def test_smm_api_serves_from_api_workers_processes(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": str(settings.database_url),
        "REDIS_URL": str(settings.redis_url),
        "SECRETS_KEY": generate_key(),
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "API_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "api.log"
    api = spawn_smm("api", env, log, "wb")
    try:
        deadline, ready = time.monotonic() + 60, False
        while not ready and time.monotonic() < deadline and api.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ready, log.read_text()
        # The supervisor, its workers and multiprocessing's resource tracker.
        workers = [
            child
            for child in _children(api.pid)
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
        # Whichever process answers a scrape, it counts every process's requests.
        asyncio.run(_busy(f"http://127.0.0.1:{port}", requests=300, clients=32))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            scrapes = [
                _healthz_count(http.get("/metrics", headers={"Connection": "close"}).text)
                for _ in range(6)
            ]
        assert scrapes == [300.0] * 6
    finally:
        api.terminate()
        api.wait(30)
    assert api.returncode == 0
