"""Commands that change the database through one unit of work, as a request would:
workspaces, API keys, recorded jobs, webhook deliveries, the demo data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from cli.secret_files import write_secret
from shared.config import Settings, get_settings

workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
jobs_app = typer.Typer(help="Recorded jobs.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)

T = TypeVar("T")


def run_async(work: Callable[[Settings], Awaitable[T]]) -> T:
    async def main() -> T:
        return await work(get_settings())

    return asyncio.run(main())


async def with_uow(settings: Settings, action: Callable[..., Awaitable[T]]) -> T:
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
        workspace, key = await with_uow(settings, lambda uow: service.create_workspace(uow, body))
        typer.echo(f"workspace {workspace.id}\nadmin key {key.key}")

    run_async(work)


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
        key = await with_uow(settings, lambda uow: service.create_key(uow, workspace_id, body))
        typer.echo(f"key {key.id}\nsecret {key.key}")

    run_async(work)


@key_app.command("revoke")
def key_revoke(workspace_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke an API key."""
    from shared.workspaces import service

    async def work(settings: Settings) -> None:
        await with_uow(settings, lambda uow: service.revoke_key(uow, workspace_id, key_id))
        typer.echo(f"revoked {key_id}")

    run_async(work)


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

    typer.echo(run_async(lambda settings: with_uow(settings, requeue)))


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
        typer.echo(run_async(lambda settings: with_uow(settings, replay)))
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

    rows = run_async(lambda settings: with_uow(settings, failing))
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


def seed(
    days: Annotated[
        int,
        typer.Option(
            min=14,
            max=365,
            help="Days of history to seed, ending now: snapshots, visitors, mentions and "
            "alerts (14 to 365). Only a first seed uses it: an existing demo is kept. "
            "Example: --days 30",
        ),
    ] = 90,
) -> None:
    """Seed the demo workspace (once); prints its admin key."""
    run_async(lambda settings: seed_demo(settings, days))


async def seed_demo(settings: Settings, days: int = 90) -> str:
    """The demo workspace's admin key, printed and saved under DATA_DIR: the next run
    prints the same key while it still opens the workspace. Seeds `days` of history the
    first time only."""
    from shared import demo
    from shared.db.base import utcnow

    key_file = settings.data_dir / "demo-admin-key"
    saved = key_file.read_text().strip() if key_file.exists() else None
    secret = await with_uow(settings, lambda uow: demo.ensure(uow, utcnow(), saved, settings, days))
    write_secret(key_file, secret + "\n")
    typer.echo(f"demo admin key {secret}")
    return secret
