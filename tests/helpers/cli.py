"""Driving `smm` in tests: in-process through typer's runner, against a database of the
CLI tests' own (so `workspace list` and `webhooks failing` see only their rows) on the
session's real PostgreSQL, and a Redis database number nothing else uses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from typer.testing import CliRunner, Result

from cli.main import app
from shared.config import ROOT, Settings, get_settings
from shared.db.migrate import upgrade
from tests.clean_logs import leaks
from tests.conftest import SESSION_SECRETS
from tests.harness import Services

#: The Redis database the CLI tests' worker and checks use (the suite's is 0).
CLI_REDIS_DB = 9


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


@dataclass(frozen=True)
class CliEnv:
    database_url: str
    redis_url: str
    settings: Settings

    def environ(self) -> dict[str, str]:
        assert self.settings.secrets_key is not None
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRETS_KEY": self.settings.secrets_key.get_secret_value(),
            "SMM_ADMIN_TOKEN": self.settings.smm_admin_token or "",
            "LOG_JSON": "false",
        }


def make_cli_database(services: Services, settings: Settings) -> tuple[CliEnv, Callable[[], None]]:
    """A database of its own at head and a Redis database number, and how to drop it."""
    name = f"smm_cli_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(services.database_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = _with_path(services.database_url, f"/{name}")
    upgrade(url)
    redis = _with_path(services.redis_url, f"/{CLI_REDIS_DB}")
    env = CliEnv(url, redis, settings.model_copy(update={"database_url": url, "redis_url": redis}))
    return env, lambda: asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def smm(*args: str) -> Result:
    """`smm ARGS` in this process; settings are read afresh from the environment."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def smm_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m cli.main ARGS` as its own process: the real entry point."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_error_line(stdout: str, stderr: str, code: int, exit_code: int) -> str:
    """The failure as users must see it: the exit code, one line on stderr, no traceback,
    nothing secret; returns the line."""
    assert exit_code == code, (exit_code, stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stdout + stderr
    assert not leaks(stderr, SESSION_SECRETS), stderr
    return lines[0]


def fails(result: Result, code: int) -> str:
    return one_error_line(result.stdout, result.stderr, code, result.exit_code)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr == "", result.stderr
    return result.stdout


def ok_json(result: Result) -> Any:
    """The one JSON document a `--json` command prints on stdout."""
    return json.loads(ok(result))
