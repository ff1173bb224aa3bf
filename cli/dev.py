"""The development stack: embedded PostgreSQL and Redis (`smm services`), and `smm dev`
(`make run`), which adds migrations, demo data, the API and the worker."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

import typer

from cli.admin import run_async, seed_demo
from cli.errors import CliError, ExitCode
from cli.secret_files import write_secret
from shared.config import EMBEDDED_ENV_FILE, ROOT, Settings, get_settings
from shared.crypto import generate_key


def services() -> None:
    """Run the embedded PostgreSQL and Redis in the foreground (`make services`).

    `make api` and `make worker`, started in other terminals, find them.

    Example:
      smm services
    """
    from shared.embedded import embedded_services

    settings = get_settings()
    with embedded_services(settings.data_dir / "dev", database="smm") as (db, redis):
        _write_env(db, redis, _secrets_key(Settings(_env_file=ROOT / ".env")))
        typer.echo(f"DATABASE_URL={db}\nREDIS_URL={redis}\n(Ctrl-C stops both)")
        stop = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # delivered to sigwait, not fatal
        try:
            signal.sigwait(stop)
        finally:
            EMBEDDED_ENV_FILE.unlink(missing_ok=True)


def _write_env(database_url: str, redis_url: str, secrets_key: str | None) -> None:
    lines = [f"DATABASE_URL={database_url}", f"REDIS_URL={redis_url}"]
    if secrets_key:
        lines.append(f"SECRETS_KEY={secrets_key}")
    write_secret(EMBEDDED_ENV_FILE, "\n".join(lines) + "\n")


def _dev_secret(settings: Settings, name: str, make: Callable[[], str]) -> str:
    """A development secret kept under DATA_DIR, so restarts keep what it protects."""
    path = settings.data_dir / name
    if not path.exists():
        write_secret(path, make() + "\n")
    return path.read_text().strip()


def _secrets_key(settings: Settings) -> str:
    if settings.secrets_key is not None:
        return settings.secrets_key.get_secret_value()
    return _dev_secret(settings, "secrets-key", generate_key)


def _operator_token(settings: Settings) -> str:
    if settings.smm_admin_token:
        return settings.smm_admin_token
    return _dev_secret(settings, "operator-token", lambda: secrets.token_urlsafe(24))


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_ready(url: str, timeout: float = 60) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def dev() -> None:
    """Run everything (`make run`): services, migrations, demo data, API and worker.

    Embedded PostgreSQL and Redis stand in for the URLs the environment leaves unset.

    Example:
      smm dev
    """
    from shared.db.migrate import upgrade

    # What the operator set (environment, .env), not a previous run's embedded.env.
    base = Settings(_env_file=ROOT / ".env")
    if not _port_free(base.api_host, base.api_port):
        raise CliError(
            f"{base.api_host}:{base.api_port} is in use: stop what holds it or set API_PORT",
            ExitCode.unavailable,
        )
    with ExitStack() as stack:
        env, embedded = _environment(stack, base)
        os.environ.update(env)  # for this process's own settings (migrations, seed)
        get_settings.cache_clear()
        settings = get_settings()
        upgrade(settings.sqlalchemy_url, distribution=settings.database_distribution)
        demo_key = run_async(seed_demo)
        children = _start_children(stack, env)
        base_url = f"http://{settings.api_host}:{settings.api_port}"
        ready = _wait_ready(f"{base_url}/readyz")
        typer.secho(
            f"\n  SMM Platform {'ready' if ready else 'NOT ready (see logs above)'}\n"
            f"  console         {base_url}/console (paste the demo admin key)\n"
            f"  docs            {base_url}/docs\n"
            f"  demo admin key  {demo_key}\n"
            f"  operator token  {settings.smm_admin_token}\n"
            f"  try: curl -H 'Authorization: Bearer {demo_key}' {base_url}/v1/campaigns\n"
            f"  Ctrl-C stops the API, the worker{' and the embedded services' * embedded}.\n",
            fg=typer.colors.GREEN if ready else typer.colors.RED,
        )
        _wait_for_stop(children)
        typer.echo("stopping ...")


def _environment(stack: ExitStack, base: Settings) -> tuple[dict[str, str], bool]:
    """The environment the API and the worker get, and whether embedded services run: they
    stand in for the URLs the operator left unset, and stop with `stack`."""
    from shared.embedded import embedded_services

    env = dict(os.environ)
    embedded = base.database_url is None or base.redis_url is None
    if embedded:
        typer.echo("starting embedded PostgreSQL and Redis under .data/dev ...")
        db, redis = stack.enter_context(
            embedded_services(
                base.data_dir / "dev",
                database="smm",
                postgres=base.database_url is None,
                redis=base.redis_url is None,
            )
        )
        env["DATABASE_URL"] = str(base.database_url or db)
        env["REDIS_URL"] = str(base.redis_url or redis)
        _write_env(env["DATABASE_URL"], env["REDIS_URL"], _secrets_key(base))
        stack.callback(EMBEDDED_ENV_FILE.unlink, missing_ok=True)
    env["SMM_ADMIN_TOKEN"] = _operator_token(base)
    env["SECRETS_KEY"] = _secrets_key(base)
    if "api_workers" not in base.model_fields_set:
        # One API process for development (one log stream, quick restarts) unless asked.
        env["API_WORKERS"] = "1"
    return env, embedded


def _start_children(stack: ExitStack, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """`smm api` and `smm worker` in their own sessions, stopped (SIGTERM, then killed
    after 15 s) when `stack` closes, before the services they use."""
    children: list[subprocess.Popen[bytes]] = []

    def stop_children() -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()

    stack.callback(stop_children)
    for command in ("api", "worker"):
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "cli.main", command],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        )
    return children


def _wait_for_stop(children: list[subprocess.Popen[bytes]]) -> None:
    """Until Ctrl-C or SIGTERM, or until a child exits."""
    stop = {"now": False}

    def on_signal(signum: int, frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stop["now"]:
        if any(child.poll() is not None for child in children):
            typer.secho("a child process exited; stopping", fg=typer.colors.RED)
            break
        time.sleep(0.5)
