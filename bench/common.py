"""What every benchmark shares: services, child processes, HTTP load, machine facts.

Benchmarks measure real processes (uvicorn, PostgreSQL, Redis, a load generator) on
127.0.0.1, so the helpers here start them in their own sessions and always stop them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = ROOT / ".data" / "bench"
#: The interpreter of the virtualenv running the benchmarks; children use the same one.
PYTHON = sys.executable

Process = subprocess.Popen[bytes]


class BenchError(RuntimeError):
    """A benchmark could not produce a trustworthy figure (a failed request, a dead child)."""


@contextlib.contextmanager
def services() -> Iterator[tuple[str, str]]:
    """DATABASE_URL and REDIS_URL if both are set, else a fresh, non-durable embedded pair
    (fsync off: the benchmarks measure the application, not the disk)."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if database_url and redis_url:
        yield database_url, redis_url
        return
    from shared.embedded import embedded_services

    with embedded_services(DATA_DIR, database="smm_bench", durable=False, fresh=True) as urls:
        yield urls


def log_path(name: str) -> Path:
    """Where a child's output goes: kept after the run, for a post-mortem."""
    logs = DATA_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / name


def spawn(
    stack: contextlib.ExitStack, args: list[str], *, log: Path, env: Mapping[str, str] | None = None
) -> Process:
    """Start a child in its own session and register its stop on `stack`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.callback(stop, process)
    return process


def stop(process: Process, timeout: float = 15) -> None:
    """SIGTERM the child's whole process group (uvicorn may fork), SIGKILL if it lingers."""

    def signal_group(signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)

    if process.poll() is None:
        signal_group(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            signal_group(signal.SIGKILL)
            process.wait(5)
    signal_group(signal.SIGKILL)  # stragglers left in the group by a child that exited


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_ok(url: str, process: Process, log: Path, timeout: float = 60) -> None:
    """Wait for `url` to answer 200; fail at once if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{url}: server exited with {process.returncode}\n{tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"{url} not ready after {timeout}s\n{tail(log)}")


@dataclass(frozen=True)
class Load:
    """One measured load run: what the load generator saw."""

    tool: str
    connections: int
    duration_s: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int

    def figures(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "tool"}


@lru_cache
def wrk_binary() -> str | None:
    """`wrk` if it is (or, as root with apt, can be) installed; BENCH_LOADGEN=python skips it."""
    if os.environ.get("BENCH_LOADGEN", "").lower() == "python":
        return None
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def install() -> bool:
        print("installing wrk with apt-get ...", flush=True)
        done = subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=False
        )
        return done.returncode == 0

    if not install():
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        install()
    return shutil.which("wrk")


def load_generator_name() -> str:
    wrk = wrk_binary()
    if wrk is None:
        return "python asyncio keep-alive client (bench/loadgen.py, 1 process)"
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (version.stdout or version.stderr).splitlines()[:1]
    return f"wrk ({first[0].split(' [')[0] if first else 'unknown version'}, 2 threads)"


def measure(
    url: str, headers: Mapping[str, str], *, connections: int, duration: float, warmup: float
) -> Load:
    """A discarded warm-up run (JIT-free Python still fills pools and caches), then the
    measured run; both from a separate load-generator process."""
    if warmup > 0:
        _run_load(url, headers, connections=connections, duration=warmup)
    return _run_load(url, headers, connections=connections, duration=duration)


def _run_load(url: str, headers: Mapping[str, str], *, connections: int, duration: float) -> Load:
    wrk = wrk_binary()
    if wrk is not None:
        return _wrk(wrk, url, headers, connections=connections, duration=duration)
    args = [
        PYTHON,
        "-m",
        "bench.loadgen",
        url,
        "--connections",
        str(connections),
        "--duration",
        str(duration),
    ]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    report = _json_report(args, timeout=duration + 60)
    return Load(tool=load_generator_name(), connections=connections, **report)


def _wrk(
    wrk: str, url: str, headers: Mapping[str, str], *, connections: int, duration: float
) -> Load:
    args = [
        wrk,
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "wrk_report.lua"),
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    raw = _json_report([*args, url], timeout=duration + 60)
    seconds = raw["duration_us"] / 1e6
    return Load(
        tool=load_generator_name(),
        connections=connections,
        duration_s=round(seconds, 3),
        requests=int(raw["requests"]),
        requests_per_s=round(raw["requests"] / seconds, 1),
        p50_ms=round(raw["p50_us"] / 1000, 3),
        p90_ms=round(raw["p90_us"] / 1000, 3),
        p99_ms=round(raw["p99_us"] / 1000, 3),
        max_ms=round(raw["max_us"] / 1000, 3),
        # wrk's "Non-2xx or 3xx responses": every status >= 400.
        non_2xx=int(raw["non_2xx"]),
        socket_errors=int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
    )


def _json_report(args: list[str], timeout: float) -> dict[str, Any]:
    """Run a load generator; its report is the stdout line starting with BENCH_JSON."""
    done = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            report: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return report
    raise BenchError(
        f"{args[0]} exited with {done.returncode} without a report:\n{done.stdout}\n{done.stderr}"
    )


def machine() -> dict[str, Any]:
    """Enough about the machine to judge whether two runs are comparable."""
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory_gib = round(int(first.split()[1]) / 1024**2, 1)
    versions = {}
    for package in (
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "asyncpg",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gib": memory_gib,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Api:
    """An API process on the benchmark's services, and what a client needs to use it."""

    base: str
    env: dict[str, str]
    process: Process

    def workspace(self, name: str) -> dict[str, Any]:
        """A new workspace, answered with its first admin key (operator token)."""
        response = httpx.post(
            f"{self.base}/v1/workspaces",
            json={"name": name},
            headers={"Authorization": f"Bearer {self.env['SMM_ADMIN_TOKEN']}"},
        )
        if response.status_code != 201:
            raise BenchError(f"{response.status_code}: {response.text[:300]}")
        created: dict[str, Any] = response.json()
        return created


def api_processes() -> int:
    """How many processes `smm api` runs here: API_WORKERS, by default the usable cores."""
    from shared.config import Settings

    return Settings(_env_file=None).api_workers


def start_api(
    stack: contextlib.ExitStack,
    database_url: str,
    redis_url: str,
    name: str,
    **settings: str,
) -> Api:
    """Migrate, then run `smm api` on a free port until the stack closes; its environment
    (with a fresh operator token and secrets key, and `settings` as variables) also suits
    a worker."""
    import secrets

    from shared.crypto import generate_key
    from shared.db.migrate import upgrade
    from shared.embedded import free_port

    upgrade(database_url, distribution=settings.get("DATABASE_DISTRIBUTION"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMM_ADMIN_TOKEN": secrets.token_urlsafe(24),
        "SECRETS_KEY": generate_key(),
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_MINUTE": "100000000",
        "WORKER_METRICS_PORT": "0",
        **settings,
    }
    log = log_path(f"{name}-api.log")
    process = spawn(stack, [PYTHON, "-m", "cli.main", "api"], log=log, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ok(f"{base}/readyz", process, log)
    return Api(base, env, process)


def finished(
    http: httpx.Client,
    response: httpx.Response,
    worker: Process,
    log: Path,
    timeout: float = 1800,
    every: float = 0.1,
) -> dict[str, Any]:
    """A `202` answer's resource (API-7), polled at its Location until it succeeded;
    the worker's death, a failure or the timeout is a BenchError."""
    if response.status_code != 202:
        raise BenchError(f"{response.status_code}: {response.text[:300]}")
    location = response.headers["Location"]
    deadline = time.monotonic() + timeout
    while True:
        resource: dict[str, Any] = http.get(location).json()
        if resource["status"] == "succeeded":
            return resource
        if resource["status"] == "failed":
            raise BenchError(f"{location} failed: {resource['error']}")
        if worker.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"{location} did not finish\n{tail(log)}")
        time.sleep(every)


async def post_batches(
    base: str, headers: dict[str, str], path: str, bodies: list[bytes], clients: int
) -> list[str]:
    """POST each JSON body to `path` from `clients` concurrent clients, in order; the ids
    of the accepted (202) batches."""
    ids: list[str] = []
    queue = list(bodies)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as http:

        async def client() -> None:
            while queue:
                response = await http.post(
                    path, content=queue.pop(0), headers={"content-type": "application/json"}
                )
                if response.status_code != 202:
                    raise BenchError(f"{response.status_code}: {response.text[:500]}")
                ids.append(response.json()["id"])

        await asyncio.gather(*(client() for _ in range(clients)))
    return ids


async def wait_batches(
    base: str, headers: dict[str, str], ids: list[str], worker: Any, log: Path
) -> float:
    """Wait until every batch reads `succeeded`; when the last one did (its `finished_at`,
    the worker's clock). A failed batch, a dead worker or half an hour is an error."""
    pending = set(ids)
    finished: list[float] = []
    deadline = time.monotonic() + 1800
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        while pending:
            for ident in list(pending)[:20]:
                got = (await http.get(f"/v1/ingest-batches/{ident}")).json()
                if got["status"] == "succeeded":
                    pending.discard(ident)
                    finished.append(datetime.fromisoformat(got["finished_at"]).timestamp())
                elif got["status"] == "failed":
                    raise BenchError(f"batch {ident} failed: {got['error']}")
            if worker.poll() is not None:
                raise BenchError(f"the worker exited\n{tail(log)}")
            if time.monotonic() > deadline:
                raise BenchError(f"{len(pending)} batches not done")
            await asyncio.sleep(0.05)
    return max(finished)
