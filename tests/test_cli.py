"""`smm` (issue 18): every user error is one line on stderr and a documented exit code,
never a traceback (unless --debug) nor a secret; listings and --json on real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli import admin
from cli.errors import ExitCode
from shared.config import Settings, get_settings
from tests.harness import Services
from tests.helpers.cli import (
    CliEnv,
    fails,
    make_cli_database,
    ok,
    ok_json,
    one_error_line,
    smm,
    smm_process,
)
from tests.worker_process import spawn_worker


@pytest.fixture(scope="module")
def cli_env(services: Services, settings: Settings) -> Iterator[CliEnv]:
    env, drop = make_cli_database(services, settings)
    yield env
    drop()


@pytest.fixture
def smm_env(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    """The CLI reads its settings from the environment, as in production."""
    for name, value in cli_env.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMM_DEBUG", raising=False)
    get_settings.cache_clear()
    yield cli_env
    get_settings.cache_clear()


def new_workspace(name: str = "Maison Lumière") -> dict[str, dict[str, str]]:
    created: dict[str, dict[str, str]] = ok_json(smm("workspace", "create", name, "--json"))
    return created


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_workspace_create_then_list_in_text_and_json(smm_env: CliEnv) -> None:
    text = ok(
        smm(
            "workspace",
            "create",
            "Atelier Nord",
            "--timezone",
            "America/New_York",
            "--locale",
            "en-US",
        )
    )
    assert "timezone   America/New_York" in text
    assert "language   en" in text  # the locale's, when not given
    assert "(the secret is shown once: store it now)" in text
    created = new_workspace("Acme")
    assert created["workspace"]["currency"] == "EUR"
    assert created["workspace"]["language"] == "fr"
    english = ok_json(smm("workspace", "create", "Paris Team", "--language", "en", "--json"))
    assert (english["workspace"]["locale"], english["workspace"]["language"]) == ("fr-FR", "en")
    assert created["api_key"]["role"] == "admin"
    assert created["api_key"]["key"].startswith("smm_")

    listed = ok_json(smm("workspace", "list", "--json"))
    assert created["workspace"] in listed
    assert {"Atelier Nord", "Acme"} <= {w["name"] for w in listed}
    table = ok(smm("workspace", "list")).splitlines()
    assert table[0].split() == [
        "ID",
        "NAME",
        "TIMEZONE",
        "CURRENCY",
        "LOCALE",
        "LANGUAGE",
        "CREATED",
        "AT",
    ]
    row = next(line for line in table if line.startswith(created["workspace"]["id"]))
    # Aligned columns: every row's timezone starts where the header's does.
    assert row.index("Europe/Paris") == table[0].index("TIMEZONE")


def test_key_create_list_revoke_never_list_a_secret(smm_env: CliEnv) -> None:
    workspace = new_workspace()["workspace"]["id"]
    key = ok_json(smm("key", "create", workspace, "--role", "editor", "--name", "CMS", "--json"))
    assert (key["role"], key["name"]) == ("editor", "CMS")
    listed = ok_json(smm("key", "list", workspace, "--json"))
    assert [k["role"] for k in listed] == ["admin", "editor"]
    assert all(set(k) == set(listed[0]) and "key" not in k for k in listed)
    text = ok(smm("key", "list", workspace))
    assert key["prefix"] in text
    assert key["key"] not in text + json.dumps(listed)
    assert "key_hash" not in text + json.dumps(listed)

    revoked = ok_json(smm("key", "revoke", workspace, key["id"], "--json"))
    assert (revoked["id"], revoked["revoked_at"] is None) == (key["id"], False)
    again = ok(smm("key", "revoke", workspace, key["id"]))
    assert again.startswith(f"revoked {key['id']} ({key['prefix']}…, CMS)")
    listed = ok_json(smm("key", "list", workspace, "--json"))
    assert [k["revoked_at"] is not None for k in listed] == [False, True]


def test_key_create_in_an_unknown_workspace_is_one_line_and_writes_nothing(
    smm_env: CliEnv,
) -> None:
    """It was ~300 lines of IntegrityError with the new key's hash."""
    unknown = str(uuid.uuid4())
    line = fails(smm("key", "create", unknown, "--role", "admin"), ExitCode.refused)
    assert line == f"workspace {unknown} does not exist"
    assert fails(smm("key", "list", unknown), 1) == line
    assert fails(smm("key", "revoke", unknown, str(uuid.uuid4())), 1) == line


def test_the_real_entry_point_reports_usage_and_refusals_in_one_line(smm_env: CliEnv) -> None:
    env = smm_env.environ()
    unknown = str(uuid.uuid4())
    done = smm_process("key", "create", unknown, env=env)
    assert one_error_line(done.stdout, done.stderr, 1, done.returncode).endswith(
        f"workspace {unknown} does not exist"
    )
    done = smm_process("key", "create", unknown, "--role", "superuser", env=env)
    line = one_error_line(done.stdout, done.stderr, 2, done.returncode)
    assert "--role: 'superuser' is not one of 'viewer', 'editor', 'admin'" in line


def test_revoking_an_unknown_key_or_the_last_admin_key_is_refused(smm_env: CliEnv) -> None:
    created = new_workspace()
    workspace, admin_key = created["workspace"]["id"], created["api_key"]["id"]
    missing = str(uuid.uuid4())
    line = fails(smm("key", "revoke", workspace, missing), ExitCode.refused)
    assert line == f"API key {missing} does not exist"
    line = fails(smm("key", "revoke", workspace, admin_key), ExitCode.refused)
    assert line.startswith("this is the workspace's last admin key")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["workspace", "create", "Acme", "--timezone", "Mars/Olympus"],
            "smm workspace create: --timezone: 'Mars/Olympus' is not a known time zone",
        ),
        (
            ["workspace", "create", "Acme", "--timezone", "Europe/Pari"],
            "--timezone: 'Europe/Pari' is not a known time zone; did you mean 'Europe/Paris'?",
        ),
        (
            ["workspace", "create", "Acme", "--currency", "EURO"],
            "--currency: 'EURO' is not an ISO 4217 currency code",
        ),
        (
            ["workspace", "create", "Acme", "--locale", "de-DE"],
            "--locale: 'de-DE' is not one of 'fr-FR', 'en-GB', 'en-US'",
        ),
        (["workspace", "create", "x" * 201], "NAME: String should have at most 200 characters"),
        (["workspace", "create", "a\x07b"], "NAME: must not hold control characters"),
        (["workspace", "create"], "smm workspace create: Missing argument 'NAME'"),
        (["key", "create", "not-a-uuid"], "WORKSPACE_ID: 'not-a-uuid' is not a valid UUID"),
        (
            ["key", "create", str(uuid.uuid4()), "--role", "superuser"],
            "--role: 'superuser' is not one of 'viewer', 'editor', 'admin'",
        ),
        (
            ["key", "create", str(uuid.uuid4()), "--expires-at", "2020-01-01T00:00:00Z"],
            "--expires-at: '2020-01-01T00:00:00Z' is not in the future",
        ),
        (
            ["key", "create", str(uuid.uuid4()), "--expires-at", "2030-01-01"],
            "--expires-at: '2030-01-01' needs a UTC offset",
        ),
        (["jobs", "list", "--status", "stuck"], "'stuck' is not one of 'pending', 'done'"),
        (["worker", "--json"], "smm worker: --json: only with --check"),
        (["no-such-command"], "smm: No such command 'no-such-command'"),
        (["workspace", "list", "--colour"], "No such option: --colour"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option_exit_2(
    smm_env: CliEnv, args: list[str], expected: str
) -> None:
    line = fails(smm(*args), ExitCode.usage)
    assert expected in line
    assert line.endswith("--help')")


def test_nothing_is_written_on_a_usage_error(smm_env: CliEnv) -> None:
    before = len(ok_json(smm("workspace", "list", "--json")))
    fails(smm("workspace", "create", "Ghost", "--timezone", "Mars/Olympus"), 2)
    assert len(ok_json(smm("workspace", "list", "--json"))) == before


def test_debug_shows_the_traceback_then_the_same_line(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = str(uuid.uuid4())
    result = smm("--debug", "key", "list", unknown)
    assert result.exit_code == ExitCode.refused
    assert result.stderr.startswith("Traceback (most recent call last)")
    assert "shared.errors.NotFound" in result.stderr
    assert result.stderr.splitlines()[-1] == f"workspace {unknown} does not exist"
    monkeypatch.setenv("SMM_DEBUG", "1")
    assert "Traceback" in smm("key", "list", unknown).stderr


def test_a_bug_is_exit_70_without_its_message(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception's text may quote anything (a hash, a password): only its
    class is shown, the traceback with --debug."""
    from shared.workspaces import service

    async def broken(uow: object) -> list[object]:
        raise RuntimeError("smm_" + "k" * 43)

    monkeypatch.setattr(service, "list_workspaces", broken)
    line = fails(smm("workspace", "list"), ExitCode.internal)
    assert line == "internal error (RuntimeError); rerun with --debug for the traceback"
    assert "Traceback" in smm("--debug", "workspace", "list").stderr


def test_an_unreachable_database_or_redis_names_its_host_never_its_password(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://smm:pa55word@127.0.0.1:{closed_port}/smm")
    line = fails(smm("workspace", "list"), ExitCode.unavailable)
    assert line == f"PostgreSQL at 127.0.0.1:{closed_port} is unavailable: connection refused"
    line = fails(smm("migrate"), ExitCode.unavailable)
    assert line.startswith(f"PostgreSQL at 127.0.0.1:{closed_port} is unavailable")
    # The long-running ones say so before starting (a process: were it to start, the
    # subprocess's timeout would end it and fail the test).
    env = {
        **smm_env.environ(),
        "DATABASE_URL": f"postgresql://smm:pa55word@127.0.0.1:{closed_port}/smm",
    }
    done = smm_process("worker", env=env)
    assert one_error_line(done.stdout, done.stderr, 3, done.returncode).endswith(
        f"PostgreSQL at 127.0.0.1:{closed_port} is unavailable: connection refused"
    )

    monkeypatch.setenv("DATABASE_URL", smm_env.database_url)
    monkeypatch.setenv("REDIS_URL", f"redis://:pa55word@127.0.0.1:{closed_port}/0")
    line = fails(smm("jobs", "requeue"), ExitCode.unavailable)
    assert line == f"Redis at 127.0.0.1:{closed_port} is unavailable: connection refused"
    assert fails(smm("worker", "--check"), ExitCode.unavailable) == line
    # Reading needs no Redis.
    ok(smm("workspace", "list"))


def test_a_database_that_never_answers_is_reported_after_the_timeout(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "CONNECT_TIMEOUT", 0.5)
    with socket.socket() as hung:  # accepts connections (the kernel does), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        port = hung.getsockname()[1]
        monkeypatch.setenv("DATABASE_URL", f"postgresql://smm@127.0.0.1:{port}/smm")
        line = fails(smm("workspace", "list"), ExitCode.unavailable)
    assert line == f"PostgreSQL at 127.0.0.1:{port} is unavailable: no answer in time"


def test_invalid_settings_are_exit_5_naming_the_variable(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_PORT", "99999")
    line = fails(smm("workspace", "list"), ExitCode.config)
    assert line.startswith("invalid settings: API_PORT: ")
    monkeypatch.setenv("API_PORT", "8000")
    monkeypatch.setenv("SECRETS_KEY", "not-a-fernet-key")
    line = fails(smm("workspace", "list"), ExitCode.config)
    assert line.startswith("invalid settings: SECRETS_KEY: ")
    assert "not-a-fernet-key" not in line


def test_jobs_list_filters_by_state_and_requeue_reports_counts(smm_env: CliEnv) -> None:
    rows = ok_json(smm("jobs", "list", "--status", "failed", "--json"))
    assert all(row["status"] == "failed" for row in rows)
    text = ok(smm("jobs", "list", "--limit", "5"))
    assert text.startswith("ID") or text == "no job\n"
    assert set(ok_json(smm("jobs", "requeue", "--json"))) == {"pending", "newly_queued"}


def test_replaying_an_unknown_delivery_is_refused(smm_env: CliEnv) -> None:
    missing = str(uuid.uuid4())
    line = fails(smm("webhooks", "replay", missing), ExitCode.refused)
    assert line == f"webhook delivery {missing} does not exist"


async def _failing_endpoint(database_url: str, workspace_id: str) -> uuid.UUID:
    from sqlalchemy.ext.asyncio import create_async_engine

    from shared.config import asyncpg_url
    from shared.db.base import utcnow
    from shared.webhooks.models import WebhookEndpoint

    engine = create_async_engine(asyncpg_url(database_url))
    endpoint = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(WebhookEndpoint).values(
                    id=endpoint,
                    workspace_id=uuid.UUID(workspace_id),
                    url="http://127.0.0.1:9/hooks",
                    event_types=["campaign.status_changed"],
                    secret_ciphertext="sealed",
                    failing_since=utcnow(),
                    version=1,
                )
            )
    finally:
        await engine.dispose()
    return endpoint


def test_webhooks_failing_exits_0_when_none_fail_and_4_when_one_does(
    smm_env: CliEnv,
) -> None:
    assert ok(smm("webhooks", "failing")) == "no failing endpoint\n"
    assert ok_json(smm("webhooks", "failing", "--json")) == []

    workspace = new_workspace()["workspace"]["id"]
    endpoint = asyncio.run(_failing_endpoint(smm_env.database_url, workspace))
    result = smm("webhooks", "failing")
    assert fails(result, ExitCode.unhealthy) == "1 webhook endpoint failing"
    assert result.stdout.startswith(f"{endpoint}  workspace {workspace}\n")
    assert "enabled; failing since " in result.stdout
    result = smm("webhooks", "failing", "--json")
    assert fails(result, ExitCode.unhealthy) == "1 webhook endpoint failing"
    [row] = json.loads(result.stdout)
    assert (row["id"], row["url"], row["enabled"]) == (
        str(endpoint),
        "http://127.0.0.1:9/hooks",
        True,
    )


def test_worker_check_without_a_worker_exits_4_and_says_so(
    smm_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", smm_env.redis_url.rsplit("/", 1)[0] + "/10")  # no worker
    line = fails(smm("worker", "--check"), ExitCode.unhealthy)
    assert line.startswith("no worker alive: no health check in Redis at 127.0.0.1:")
    result = smm("worker", "--check", "--json")
    fails(result, ExitCode.unhealthy)
    assert json.loads(result.stdout)["alive"] is False


def test_worker_check_with_a_live_worker_reports_its_health(
    smm_env: CliEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    worker_processes: list[subprocess.Popen[bytes]],
) -> None:
    monkeypatch.setenv("ANALYSIS_PROCESSES", "0")  # no scoring processes to start
    worker_processes.append(spawn_worker(smm_env.settings, tmp_path / "worker.log"))
    deadline = time.monotonic() + 60
    while (result := smm("worker", "--check")).exit_code != 0:
        assert result.exit_code == ExitCode.unhealthy, result.stderr
        assert time.monotonic() < deadline, "no worker recorded its health in 60 s"
        time.sleep(0.5)
    line = ok(result).strip()
    assert re.fullmatch(
        r"worker alive: last health check \d+ s ago; \d+ jobs complete, \d+ failed, "
        r"\d+ retried, \d+ running, \d+ queued",
        line,
    ), line
    health = ok_json(smm("worker", "--check", "--json"))
    assert health["alive"] is True
    assert 0 <= health["last_check_seconds_ago"] <= 11
    assert {type(health[name]) for name in ("jobs_complete", "jobs_failed", "queued")} == {int}
