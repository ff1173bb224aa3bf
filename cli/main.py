"""`smm`: the operator's command line (OPS-5). It sits above `services/` and `shared/`:
it starts the API and the worker, so it may import both.

The commands live by concern (`cli.admin`, `cli.dev`, `cli.sentiment`) and are
registered here, in the order `smm --help` lists them."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

import typer

from cli import admin, dev, sentiment
from shared.config import get_settings
from shared.crypto import generate_key


def migrate() -> None:
    """Apply migrations up to head."""
    from shared.db.migrate import upgrade

    upgrade(get_settings().sqlalchemy_url)
    typer.echo("migrations at head")


def api() -> None:
    """Run the API (uvicorn) with the environment's settings."""
    import uvicorn

    from services.api.server import server_config

    server = uvicorn.Server(server_config(get_settings()))
    with suppress(KeyboardInterrupt):  # as `uvicorn.run`: re-raised after the shutdown
        server.run()
    if not server.started:
        raise typer.Exit(3)


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


def secrets_key() -> None:
    """Print a new SECRETS_KEY (a Fernet key) for encrypting webhook secrets."""
    typer.echo(generate_key())


def bench(
    only: Annotated[str | None, typer.Option(help="Run one benchmark by id, e.g. PERF-5")] = None,
) -> None:
    """Run the benchmarks (`make bench`): bench/results.json and bench/results.md."""
    from bench.__main__ import main

    main(only)


app = typer.Typer(help="SMM Platform operations.", no_args_is_help=True)
app.add_typer(admin.workspace_app, name="workspace")
app.add_typer(admin.key_app, name="key")
app.add_typer(admin.jobs_app, name="jobs")
app.add_typer(admin.webhooks_app, name="webhooks")
app.command()(migrate)
app.command()(admin.seed)
app.command()(api)
app.command()(worker)
app.command()(dev.services)
app.command()(dev.dev)
app.command("secrets-key")(secrets_key)
app.command()(bench)
app.add_typer(sentiment.sentiment_app, name="sentiment")
app.command("sentiment-eval")(sentiment.sentiment_eval)


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
