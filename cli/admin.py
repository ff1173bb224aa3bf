"""Commands that change the database through one unit of work, as a request would:
workspaces, API keys, recorded jobs, webhook deliveries, the demo data."""

from __future__ import annotations

import asyncio
import difflib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from typer._click.globals import get_current_context

from cli.choices import DEFAULT_LOCALE, JobStatus, Language, Locale, Role
from cli.errors import CliError, ExitCode, reaching
from cli.output import JsonOption, emit_json, fields, table, when
from cli.secret_files import write_secret
from shared.config import Settings, get_settings

if TYPE_CHECKING:
    from arq.connections import ArqRedis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from shared.db.uow import UnitOfWork

workspace_app = typer.Typer(help="Workspaces (tenants): create, list.", no_args_is_help=True)
key_app = typer.Typer(help="A workspace's API keys: create, list, revoke.", no_args_is_help=True)
jobs_app = typer.Typer(help="Recorded jobs: list, requeue.", no_args_is_help=True)
webhooks_app = typer.Typer(
    help="Webhook deliveries: failing endpoints, replay.", no_args_is_help=True
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

#: How long a connection to PostgreSQL or Redis may take before the CLI gives up (exit 3).
CONNECT_TIMEOUT = 10.0


def run_async(work: Callable[[Settings], Awaitable[T]]) -> T:
    async def main() -> T:
        return await work(get_settings())

    return asyncio.run(main())


def database_url(settings: Settings) -> str:
    if settings.database_url is None:
        raise CliError(
            "DATABASE_URL is not set: run `make services` (embedded) or set it", ExitCode.config
        )
    return settings.sqlalchemy_url


def redis_url(settings: Settings) -> str:
    if settings.redis_url is None:
        raise CliError(
            "REDIS_URL is not set: run `make services` (embedded) or set it", ExitCode.config
        )
    return settings.redis_dsn


async def reach(engine: AsyncEngine, url: str) -> None:
    """Connect once (the pool keeps the connection): an unreachable PostgreSQL is exit 3."""
    with reaching("PostgreSQL", url):
        async with asyncio.timeout(CONNECT_TIMEOUT), engine.connect():
            pass


async def check_database(settings: Settings) -> None:
    from shared.db.engine import make_engine

    engine = make_engine(settings, pool_size=1)
    try:
        await reach(engine, database_url(settings))
    finally:
        await engine.dispose()


async def connect_redis(settings: Settings) -> ArqRedis:
    """One attempt (no retries): an unreachable Redis is exit 3, at once."""
    from arq.connections import RedisSettings, create_pool

    dsn = redis_url(settings)
    redis_settings = RedisSettings.from_dsn(dsn)
    redis_settings.conn_retries = 0
    with reaching("Redis", dsn):
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await create_pool(redis_settings, retry=0)


async def check_services(settings: Settings) -> None:
    """Before a long-running process starts: PostgreSQL and Redis answer, or one line."""
    await check_database(settings)
    redis = await connect_redis(settings)
    await redis.aclose()


async def with_uow(
    settings: Settings, action: Callable[..., Awaitable[T]], *, queue: bool = True
) -> T:
    """Run `action` in one unit of work (committed if it returns). Without `queue`, Redis is
    not needed: jobs the action records are sent by the worker's sweeper. A service that
    cannot be reached is reported by name and host (exit 3) before anything runs."""
    from shared.db.engine import make_engine, make_sessionmaker
    from shared.db.uow import unit_of_work
    from shared.jobs.queue import ArqJobQueue

    url = database_url(settings)
    engine = make_engine(settings, pool_size=2)
    redis: ArqRedis | None = None
    try:
        await reach(engine, url)
        if queue:
            redis = await connect_redis(settings)
        jobs = ArqJobQueue(redis) if redis is not None else None
        async with unit_of_work(make_sessionmaker(engine), jobs) as uow:
            return await action(uow)
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def run_uow(action: Callable[[UnitOfWork], Awaitable[T]], *, queue: bool = False) -> T:
    """`action` in one unit of work, with the environment's settings."""
    return run_async(lambda settings: with_uow(settings, action, queue=queue))


def usage(message: str) -> CliError:
    """An invalid value found after parsing, reported as click reports its own (exit 2)."""
    ctx = get_current_context(silent=True)
    path = ctx.command_path if ctx is not None else "smm"
    return CliError(f"{path}: {message} (see '{path} --help')", ExitCode.usage)


def build(model: type[M], names: Mapping[str, str], **values: Any) -> M:
    """The input model, or the first invalid value named as the option that gave it."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors(include_input=False, include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch":
            message = "must not hold control characters"
        raise usage(f"{names.get(field, field)}: {message}") from None


def _time_zone(value: str) -> str:
    from shared.workspaces.schemas import ZONES

    if value in ZONES:
        return value
    close = difflib.get_close_matches(value, ZONES, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else " (an IANA name, e.g. Europe/Paris)"
    raise typer.BadParameter(f"'{value}' is not a known time zone{hint}")


def _currency(value: str) -> str:
    from shared.money import EXPONENTS

    code = value.strip().upper()
    if code not in EXPONENTS:
        raise typer.BadParameter(
            f"'{value}' is not an ISO 4217 currency code with a minor unit (e.g. EUR, USD, GBP)"
        )
    return code


def _future(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not an ISO 8601 time (e.g. 2027-01-01T00:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"'{value}' needs a UTC offset (e.g. 2027-01-01T00:00:00Z)")
    if moment <= datetime.now(UTC):
        raise typer.BadParameter(f"'{value}' is not in the future")
    return moment


WorkspaceArg = Annotated[
    uuid.UUID,
    typer.Argument(
        metavar="WORKSPACE_ID",
        help="The workspace's id (`smm workspace list` shows them)",
        show_default=False,
    ),
]


@workspace_app.command("create")
def workspace_create(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The workspace's name, e.g. 'Maison Lumière'")
    ],
    timezone: Annotated[
        str,
        typer.Option(
            callback=_time_zone,
            help="IANA time zone the reports' days and hours follow, e.g. America/New_York",
        ),
    ] = "Europe/Paris",
    currency: Annotated[
        str,
        typer.Option(callback=_currency, help="ISO 4217 code amounts are recorded in"),
    ] = "EUR",
    locale: Annotated[
        Locale, typer.Option(help="Language and number formats of exports and the console")
    ] = DEFAULT_LOCALE,
    language: Annotated[
        Language | None,
        typer.Option(
            help="Language of the texts the product writes for the team (alert summaries, "
            "playbooks, report labels, CSV headers); default: the locale's",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace and its first admin key (the secret is printed once).

    Example:
      smm workspace create "Maison Lumière" --timezone Europe/Paris --currency EUR --language fr
    """
    from shared.workspaces import service
    from shared.workspaces.schemas import WorkspaceCreate, WorkspaceCreated, WorkspaceRead

    body = build(
        WorkspaceCreate,
        {
            "name": "NAME",
            "timezone": "--timezone",
            "currency": "--currency",
            "locale": "--locale",
            "language": "--language",
        },
        name=name,
        timezone=timezone,
        currency=currency,
        locale=locale.value,
        language=language.value if language else None,
    )
    workspace, key = run_uow(lambda uow: service.create_workspace(uow, body))
    created = WorkspaceCreated(workspace=WorkspaceRead.model_validate(workspace), api_key=key)
    if as_json:
        emit_json(created.model_dump(mode="json"))
        return
    typer.echo(
        fields(
            [
                ("workspace", workspace.id),
                ("name", workspace.name),
                ("timezone", workspace.timezone),
                ("currency", workspace.currency),
                ("locale", workspace.locale),
                ("language", workspace.language),
                ("admin key", key.id),
                ("secret", key.key),
            ]
        )
    )
    typer.echo("(the secret is shown once: store it now)")


@workspace_app.command("list")
def workspace_list(as_json: JsonOption = False) -> None:
    """Every workspace, oldest first.

    Example:
      smm workspace list --json
    """
    from shared.workspaces import service
    from shared.workspaces.schemas import WorkspaceRead

    rows = [WorkspaceRead.model_validate(w).model_dump() for w in run_uow(service.list_workspaces)]
    if as_json:
        emit_json(rows)
    elif rows:
        typer.echo(
            table(rows, ["id", "name", "timezone", "currency", "locale", "language", "created_at"])
        )
    else:
        typer.echo("no workspace (create one: smm workspace create NAME)")


@key_app.command("create")
def key_create(
    workspace_id: WorkspaceArg,
    role: Annotated[
        Role, typer.Option(help="What the key may do: read, also write, also manage keys")
    ] = Role.viewer,
    name: Annotated[str, typer.Option(help="A label to recognise the key by")] = "CLI key",
    expires_at: Annotated[
        str | None,
        typer.Option(
            callback=_future,
            metavar="TIME",
            help="When the key stops working (ISO 8601 with offset); never if left out",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key in a workspace; its secret is printed once.

    Example:
      smm key create 0b5c6f0e-4a7d-4d2b-9a51-3c1f2e8d9a10 --role editor --name CMS
    """
    from shared.workspaces import service
    from shared.workspaces.schemas import ApiKeyCreate

    body = build(
        ApiKeyCreate,
        {"name": "--name", "role": "--role", "expires_at": "--expires-at"},
        name=name,
        role=role.value,
        expires_at=expires_at,
    )

    async def create(uow: UnitOfWork) -> Any:
        await service.get_workspace(uow, workspace_id)  # a clear "not found", no FK error
        return await service.create_key(uow, workspace_id, body)

    key = run_uow(create)
    if as_json:
        emit_json(key.model_dump(mode="json"))
        return
    typer.echo(
        fields(
            [
                ("key", key.id),
                ("name", key.name),
                ("role", key.role),
                ("expires", when(key.expires_at) if key.expires_at else "never"),
                ("secret", key.key),
            ]
        )
    )
    typer.echo("(the secret is shown once: store it now)")


KEY_COLUMNS = [
    "id",
    "prefix",
    "name",
    "role",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
]


@key_app.command("list")
def key_list(workspace_id: WorkspaceArg, as_json: JsonOption = False) -> None:
    """A workspace's API keys, revoked ones included; never their secrets.

    Only a hash of each secret is kept: the prefix recognises a key.

    Example:
      smm key list 0b5c6f0e-4a7d-4d2b-9a51-3c1f2e8d9a10
    """
    from shared.workspaces import service
    from shared.workspaces.schemas import ApiKeyRead

    rows = [
        ApiKeyRead.model_validate(k).model_dump()
        for k in run_uow(lambda uow: service.list_keys(uow, workspace_id))
    ]
    if as_json:
        emit_json(rows)
    elif rows:
        typer.echo(table(rows, KEY_COLUMNS))
    else:
        typer.echo("no API key")


@key_app.command("revoke")
def key_revoke(
    workspace_id: WorkspaceArg,
    key_id: Annotated[
        uuid.UUID,
        typer.Argument(
            metavar="KEY_ID", help="The key's id (`smm key list` shows them)", show_default=False
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key (revoking it again changes nothing).

    A workspace's last admin key cannot be revoked: create another one first.

    Example:
      smm key revoke "$WORKSPACE_ID" "$KEY_ID"  (ids from `smm key list`)
    """
    from shared.workspaces import service
    from shared.workspaces.schemas import ApiKeyRead

    async def revoke(uow: UnitOfWork) -> ApiKeyRead:
        await service.get_workspace(uow, workspace_id)
        await service.revoke_key(uow, workspace_id, key_id)
        return ApiKeyRead.model_validate(await service.keys(uow).get(workspace_id, key_id))

    key = run_uow(revoke)
    if as_json:
        emit_json(key.model_dump(mode="json"))
    else:
        typer.echo(f"revoked {key.id} ({key.prefix}…, {key.name}) at {when(key.revoked_at)}")


JOB_COLUMNS = ["id", "name", "status", "attempts", "created_at", "finished_at", "last_error"]


@jobs_app.command("list")
def jobs_list(
    status: Annotated[
        JobStatus | None,
        typer.Option(help="Only jobs in this state (pending: not run yet or retrying)"),
    ] = None,
    workspace: Annotated[
        uuid.UUID | None,
        typer.Option(help="Only this workspace's jobs", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Recorded jobs, newest first.

    Example:
      smm jobs list --status failed --limit 20
    """
    from shared.jobs.models import JobStatus as Status
    from shared.jobs.service import recent_jobs

    state = Status(status.value) if status is not None else None
    jobs = run_uow(lambda uow: recent_jobs(uow.session, state, workspace, limit))
    rows = [
        {
            "id": job.id,
            "workspace_id": job.workspace_id,
            "name": job.name,
            "status": job.status,
            "attempts": job.attempts,
            "created_at": job.created_at,
            "finished_at": job.finished_at,
            "last_error": job.last_error,
        }
        for job in jobs
    ]
    if as_json:
        emit_json(rows)
    elif rows:
        for row in rows:  # one line per job: the error's first line, cut
            error = str(row["last_error"] or "-").splitlines()[0]
            row["last_error"] = error if len(error) <= 60 else error[:59] + "…"
        typer.echo(table(rows, JOB_COLUMNS))
    else:
        typer.echo("no job")


@jobs_app.command("requeue")
def jobs_requeue(as_json: JsonOption = False) -> None:
    """Send every pending recorded job to the queue again (duplicates are dropped).

    Example:
      smm jobs requeue
    """
    from shared.db.base import utcnow
    from shared.db.uow import send_jobs
    from shared.jobs.service import SWEEP_GRACE, pending_jobs

    async def requeue(uow: UnitOfWork) -> tuple[int, int]:
        assert uow.queue is not None
        # Shift "now" past the sweeper's grace period: requeue everything pending.
        jobs = await pending_jobs(uow.session, utcnow() + SWEEP_GRACE, limit=100_000)
        return len(jobs), await send_jobs(uow.queue, jobs)

    pending, queued = run_uow(requeue, queue=True)
    if as_json:
        emit_json({"pending": pending, "newly_queued": queued})
    else:
        typer.echo(f"{pending} pending, {queued} newly queued")


@webhooks_app.command("replay")
def webhooks_replay(
    delivery_id: Annotated[
        uuid.UUID,
        typer.Argument(
            metavar="DELIVERY_ID", help="The delivery's id (any workspace)", show_default=False
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Attempt a delivery again now (once more if it had finished), any workspace.

    Example:
      smm webhooks replay 7a1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b
    """
    from shared.db.base import utcnow
    from shared.webhooks import service

    async def replay(uow: UnitOfWork) -> dict[str, Any]:
        delivery = await service.replay(uow.session, delivery_id, utcnow())
        return {"id": delivery.id, "endpoint_id": delivery.endpoint_id, "status": delivery.status}

    done = run_uow(replay)
    if as_json:
        emit_json(done)
    else:
        typer.echo(f"delivery {done['id']} to endpoint {done['endpoint_id']}: queued now")


@webhooks_app.command("failing")
def webhooks_failing(as_json: JsonOption = False) -> None:
    """Endpoints in a run of failures or disabled by the platform, worst first.

    Exits 4 if there is any, 0 if none: a cron job or a monitor can alert on it.

    Example:
      smm webhooks failing --json
    """
    from dataclasses import asdict

    from shared.webhooks import service

    rows = run_uow(lambda uow: service.failing_endpoints(uow.session))
    if as_json:
        emit_json([asdict(row) for row in rows])
    elif not rows:
        typer.echo("no failing endpoint")
    for row in rows if not as_json else []:
        state = "enabled" if row.enabled else f"DISABLED: {row.disabled_reason}"
        typer.echo(
            f"{row.id}  workspace {row.workspace_id}\n"
            f"  {row.url}\n"
            f"  {state}; failing since {when(row.failing_since)}; "
            f"{row.waiting} waiting, {row.failed} failed\n"
            f"  last error: {row.last_error or '-'}"
        )
    if rows:
        plural = "s" if len(rows) > 1 else ""
        raise CliError(f"{len(rows)} webhook endpoint{plural} failing", ExitCode.unhealthy)


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
    as_json: JsonOption = False,
) -> None:
    """Seed the demo workspace (once); prints its admin key.

    Example:
      smm seed --days 30
    """
    from shared.demo import DEMO_NAME

    secret = run_async(lambda settings: seed_demo(settings, days))
    if as_json:
        emit_json({"workspace": DEMO_NAME, "admin_key": secret})
    else:
        typer.echo(fields([("workspace", DEMO_NAME), ("admin key", secret)]))


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
    return secret
