"""Real worker processes (`smm worker`) that tests can SIGKILL and start again (REL-1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import ROOT, Settings
from tests.clean_logs import leaks

#: Each worker's log file, with the secrets it must not show: read when the test ends.
LOGS: dict[Path, tuple[str, str]] = {}


def spawn_smm(
    command: str, env: dict[str, str], log: Path, mode: str = "ab"
) -> subprocess.Popen[bytes]:
    """`smm <command>` in a session of its own (so `kill` reaches its whole group), its
    output appended to `log`."""
    with log.open(mode) as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def spawn_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """A worker on the default queue, as production runs it: it also picks up the jobs
    other tests left queued, which the runner handles like any redelivery."""
    assert settings.secrets_key is not None
    env = {
        **os.environ,
        "DATABASE_URL": str(settings.database_url),
        "REDIS_URL": str(settings.redis_url),
        "SECRETS_KEY": settings.secrets_key.get_secret_value(),
        "META_GRAPH_BASE_URL": settings.meta_graph_base_url,
        "WORKER_METRICS_PORT": "0",
        "LOG_LEVEL": "INFO",
    }
    LOGS[log] = (settings.smm_admin_token or "", settings.secrets_key.get_secret_value())
    return spawn_smm("worker", env, log)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's whole process group: no shutdown hook runs."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@pytest.fixture
def worker_processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                kill(process)
    found = [leak for log, secrets in LOGS.items() for leak in leaks(log.read_text(), secrets)]
    LOGS.clear()
    assert not found, "a worker's log leaks what it must not hold (F6):\n" + "\n".join(found)
