"""`smm`: the operator's command line (OPS-5). It sits above `services/` and `shared/`:
it starts the API and the worker, so it may import both."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Annotated, TypeVar

import httpx
import typer

from shared.config import EMBEDDED_ENV_FILE, ROOT, Settings, get_settings
from shared.crypto import generate_key

app = typer.Typer(help="SMM Platform operations.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
jobs_app = typer.Typer(help="Recorded jobs.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(key_app, name="key")
app.add_typer(jobs_app, name="jobs")
app.add_typer(webhooks_app, name="webhooks")

T = TypeVar("T")


def _run(work: Callable[[Settings], Awaitable[T]]) -> T:
    async def main() -> T:
        return await work(get_settings())

    return asyncio.run(main())


async def _with_uow(settings: Settings, action: Callable[..., Awaitable[T]]) -> T:
    from arq.connections import RedisSettings, create_pool

    from shared.db.engine import make_engine, make_sessionmaker
    from shared.db.uow import unit_of_work
    from shared.jobs.queue import ArqJobQueue

    engine = make_engine(settings, pool_size=2)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_dsn), retry=0)
    try:
        async with unit_of_work(make_sessionmaker(engine), ArqJobQueue(redis)) as uow:
            return await action(uow)
    finally:
        await redis.aclose()
        await engine.dispose()


@app.command()
def migrate() -> None:
    """Apply migrations up to head."""
    from shared.db.migrate import upgrade

    upgrade(get_settings().sqlalchemy_url)
    typer.echo("migrations at head")


@workspace_app.command("create")
def workspace_create(
    name: str,
    timezone: str = "Europe/Paris",
    currency: str = "EUR",
) -> None:
    """Create a workspace; prints its id and first admin key."""
    from shared.workspaces import service
    from shared.workspaces.schemas import WorkspaceCreate

    body = WorkspaceCreate(name=name, timezone=timezone, currency=currency)

    async def work(settings: Settings) -> None:
        workspace, key = await _with_uow(settings, lambda uow: service.create_workspace(uow, body))
        typer.echo(f"workspace {workspace.id}\nadmin key {key.key}")

    _run(work)


@key_app.command("create")
def key_create(
    workspace_id: uuid.UUID,
    role: Annotated[str, typer.Option(help="viewer, editor or admin")] = "viewer",
    name: str = "CLI key",
) -> None:
    """Create an API key in a workspace; prints the secret once."""
    from shared.workspaces import service
    from shared.workspaces.models import Role
    from shared.workspaces.schemas import ApiKeyCreate

    body = ApiKeyCreate(name=name, role=Role(role))

    async def work(settings: Settings) -> None:
        key = await _with_uow(settings, lambda uow: service.create_key(uow, workspace_id, body))
        typer.echo(f"key {key.id}\nsecret {key.key}")

    _run(work)


@key_app.command("revoke")
def key_revoke(workspace_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke an API key."""
    from shared.workspaces import service

    async def work(settings: Settings) -> None:
        await _with_uow(settings, lambda uow: service.revoke_key(uow, workspace_id, key_id))
        typer.echo(f"revoked {key_id}")

    _run(work)


@jobs_app.command("requeue")
def jobs_requeue() -> None:
    """Send every pending recorded job to the queue again (duplicates are dropped)."""
    from shared.db.base import utcnow
    from shared.db.uow import UnitOfWork, send_jobs
    from shared.jobs.service import SWEEP_GRACE, pending_jobs

    async def requeue(uow: UnitOfWork) -> str:
        # Shift "now" past the sweeper's grace period: requeue everything pending.
        jobs = await pending_jobs(uow.session, utcnow() + SWEEP_GRACE, limit=100_000)
        return f"{len(jobs)} pending, {await send_jobs(uow.queue, jobs)} newly queued"

    typer.echo(_run(lambda settings: _with_uow(settings, requeue)))


@webhooks_app.command("replay")
def webhooks_replay(delivery_id: uuid.UUID) -> None:
    """Attempt a delivery again now (once more if it had finished), any workspace."""
    from shared.db.base import utcnow
    from shared.db.uow import UnitOfWork
    from shared.errors import DomainError
    from shared.webhooks import service

    async def replay(uow: UnitOfWork) -> str:
        delivery = await service.replay(uow.session, delivery_id, utcnow())
        return f"delivery {delivery.id} to endpoint {delivery.endpoint_id}: queued now"

    try:
        typer.echo(_run(lambda settings: _with_uow(settings, replay)))
    except DomainError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


@webhooks_app.command("failing")
def webhooks_failing() -> None:
    """Endpoints in a run of failures or disabled by the platform, worst first."""
    from shared.db.uow import UnitOfWork
    from shared.webhooks import service

    async def failing(uow: UnitOfWork) -> list[service.FailingEndpoint]:
        return await service.failing_endpoints(uow.session)

    rows = _run(lambda settings: _with_uow(settings, failing))
    if not rows:
        typer.echo("no failing endpoint")
    for row in rows:
        state = "enabled" if row.enabled else f"DISABLED: {row.disabled_reason}"
        since = f"{row.failing_since:%Y-%m-%d %H:%M} UTC" if row.failing_since else "-"
        typer.echo(
            f"{row.id}  workspace {row.workspace_id}\n"
            f"  {row.url}\n"
            f"  {state}; failing since {since}; {row.waiting} waiting, {row.failed} failed\n"
            f"  last error: {row.last_error or '-'}"
        )


@app.command()
def seed() -> None:
    """Seed the demo workspace (once); prints its admin key."""
    _run(_seed)


async def _seed(settings: Settings) -> str:
    from shared import demo
    from shared.db.base import utcnow

    key_file = settings.data_dir / "demo-admin-key"
    saved = key_file.read_text().strip() if key_file.exists() else None
    secret = await _with_uow(settings, lambda uow: demo.ensure(uow, utcnow(), saved))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(secret + "\n")
    typer.echo(f"demo admin key {secret}")
    return secret


@app.command()
def api() -> None:
    """Run the API (uvicorn) with the environment's settings."""
    import uvicorn

    from services.api.server import server_config

    server = uvicorn.Server(server_config(get_settings()))
    with suppress(KeyboardInterrupt):  # as `uvicorn.run`: re-raised after the shutdown
        server.run()
    if not server.started:
        raise typer.Exit(3)


@app.command()
def worker(
    check: Annotated[bool, typer.Option(help="Health check: exit 0 if a worker is alive")] = False,
    burst: Annotated[bool, typer.Option(help="Drain the queue, then exit")] = False,
) -> None:
    """Run the arq worker (or check its health)."""
    from arq.worker import check_health

    from services.worker.main import run, worker_settings

    if check:
        raise typer.Exit(check_health(worker_settings()))
    run(burst=True) if burst else run()


@app.command()
def services() -> None:
    """Run the embedded PostgreSQL and Redis in the foreground (for `make api`/`make worker`)."""
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
    EMBEDDED_ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"DATABASE_URL={database_url}", f"REDIS_URL={redis_url}"]
    if secrets_key:
        lines.append(f"SECRETS_KEY={secrets_key}")
    EMBEDDED_ENV_FILE.write_text("\n".join(lines) + "\n")


def _dev_secret(settings: Settings, name: str, make: Callable[[], str]) -> str:
    """A development secret kept under DATA_DIR, so restarts keep what it protects."""
    path = settings.data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make() + "\n")
        path.chmod(0o600)
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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


@app.command()
def dev() -> None:
    """`make run`: embedded services if no URLs are set, migrations, demo data, API + worker."""
    from shared.db.migrate import upgrade
    from shared.embedded import embedded_services

    # What the operator set (environment, .env), not a previous run's embedded.env.
    base = Settings(_env_file=ROOT / ".env")
    if not _port_free(base.api_host, base.api_port):
        typer.secho(
            f"{base.api_host}:{base.api_port} is in use: stop what holds it or set API_PORT",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    env = dict(os.environ)
    embedded = base.database_url is None or base.redis_url is None
    with ExitStack() as stack:
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
        os.environ.update(env)  # for this process's own settings (migrations, seed)
        get_settings.cache_clear()
        settings = get_settings()
        upgrade(settings.sqlalchemy_url)
        demo_key = _run(_seed)

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
        python = sys.executable
        children.append(
            subprocess.Popen(
                [python, "-m", "cli.main", "api"], env=env, cwd=ROOT, start_new_session=True
            )
        )
        children.append(
            subprocess.Popen(
                [python, "-m", "cli.main", "worker"], env=env, cwd=ROOT, start_new_session=True
            )
        )
        base_url = f"http://{settings.api_host}:{settings.api_port}"
        ready = _wait_ready(f"{base_url}/readyz")
        typer.secho(
            f"\n  SMM Platform {'ready' if ready else 'NOT ready (see logs above)'}\n"
            f"  docs            {base_url}/docs\n"
            f"  demo admin key  {demo_key}\n"
            f"  operator token  {settings.smm_admin_token}\n"
            f"  try: curl -H 'Authorization: Bearer {demo_key}' {base_url}/v1/campaigns\n"
            f"  Ctrl-C stops the API, the worker{' and the embedded services' * embedded}.\n",
            fg=typer.colors.GREEN if ready else typer.colors.RED,
        )
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
        typer.echo("stopping ...")


@app.command("secrets-key")
def secrets_key() -> None:
    """Print a new SECRETS_KEY (a Fernet key) for encrypting webhook secrets."""
    typer.echo(generate_key())


@app.command()
def bench(
    only: Annotated[str | None, typer.Option(help="Run one benchmark by id, e.g. PERF-5")] = None,
) -> None:
    """Run the benchmarks (`make bench`): bench/results.json and bench/results.md."""
    from bench.__main__ import main

    main(only)


sentiment_app = typer.Typer(help="The sentiment model (LIS-2).", no_args_is_help=True)
app.add_typer(sentiment_app, name="sentiment")


def _corpora(given: list[Path] | None) -> list[Path]:
    from shared.listening.sentiment import training

    return [*(given or []), *training.default_search()]


CorporaOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--corpora",
        help="A folder holding the manifest's corpora (repeatable); then $SMM_CORPORA, "
        ".data/corpora and ../shared/sentiment are searched",
    ),
]


@sentiment_app.command("train")
def sentiment_train(
    corpora: CorporaOption = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the weights")] = None,
) -> None:
    """Rebuild the shipped weights from the corpora the manifest names (checksums checked)."""
    from shared.listening.sentiment import ARTIFACT, training

    target = out or ARTIFACT
    try:
        metadata = training.train(_corpora(corpora), target)
    except training.CorpusError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None
    typer.echo(f"wrote {target} ({target.stat().st_size / 2**20:.1f} MiB)")
    for language, figures in metadata["held_out"].items():
        typer.echo(
            f"{language}: {figures['train']} posts trained on, {figures['dev']} held out, "
            f"dev macro-F1 {figures['dev_macro_f1']:.3f}, {figures['features']} features"
        )


@sentiment_app.command("eval")
@app.command("sentiment-eval")
def sentiment_eval(
    corpora: CorporaOption = None,
    labelled: Annotated[
        list[Path] | None,
        typer.Option(
            "--set",
            help="A JSONL file of {text, label} posts to add (repeatable), named LANG:PATH "
            "or PATH (language taken from a fr/en prefix of its name)",
        ),
    ] = None,
) -> None:
    """Macro-F1, per-class F1 and confusion of the analyser beside stock VADER, on the
    training corpora's held-out splits, the posts in data/sentiment and any --set."""
    from shared.listening import evaluation
    from shared.listening.sentiment import Language

    sets = evaluation.held_out_sets(_corpora(corpora)) + evaluation.product_sets()
    for path in labelled or []:
        text = str(path)
        code, _, rest = text.partition(":")
        if rest and code in ("fr", "en"):
            language, path = Language(code), Path(rest)
        else:
            language = Language.fr if path.name.startswith("fr") else Language.en
        sets.append(evaluation.read_set(path.name, language, path))
    typer.echo(evaluation.table([evaluation.evaluate(s) for s in sets]))


def main() -> None:
    """Entry point: settings errors are printed as one clear message, not a traceback."""
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
            for e in exc.errors()
        )
        typer.secho(f"invalid settings: {problems}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
