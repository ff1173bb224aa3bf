"""`smm`: the operator's command line (OPS-5). It sits above `services/` and `shared/`:
it starts the API and the worker, so it may import both.

The commands live by concern (`cli.admin`, `cli.dev`, `cli.sentiment`) and are
registered here, in the order `smm --help` lists them. Every failure is one line on stderr
and an exit code (`cli.errors`); `--debug` adds the traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup

from cli import admin, dev, sentiment
from cli.errors import EXIT_CODES, CliError, ExitCode, report, translate, usage_line
from cli.output import JsonOption, emit_json
from shared.config import get_settings
from shared.crypto import generate_key

#: Set by `--debug` (or SMM_DEBUG=1) while a command line is parsed.
_debug = {"on": False}


class Smm(TyperGroup):
    """The root command: runs the command line without click's own error handling, so every
    error, click's usage errors included, is reported once, as one line (`cli.errors`)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _debug["on"] = False
        try:
            result = super().main(
                args, prog_name or "smm", complete_var, standalone_mode=False, **extra
            )
            code = result if isinstance(result, int) else 0
        except NoArgsIsHelpError as exc:
            exc.show()  # a group called alone: its help
            code = exc.exit_code
        except ClickException as exc:
            report(usage_line(exc), debug=_debug["on"], exc=exc)
            code = exc.exit_code
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except (Exception, KeyboardInterrupt, typer.Abort) as exc:
            line, code = translate(exc)
            report(line, debug=_debug["on"], exc=exc)
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    cls=Smm,
    name="smm",
    help=f"SMM Platform operations. Settings come from the environment and .env (see the "
    f"README's settings table).\n\n{EXIT_CODES}",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="SMM_DEBUG",
            help="On an error, print the traceback too (otherwise one line)",
        ),
    ] = False,
) -> None:
    _debug["on"] = debug


def migrate() -> None:
    """Apply migrations up to head.

    Example:
      smm migrate
    """
    from shared.db.citus import DistributionError
    from shared.db.migrate import upgrade

    admin.run_async(admin.check_database)  # unreachable: one line, exit 3
    settings = get_settings()
    try:
        upgrade(settings.sqlalchemy_url, distribution=settings.database_distribution)
    except DistributionError as exc:  # DATABASE_DISTRIBUTION=citus: what stops it, listed
        raise CliError(f"migrations at head, schema not distributed: {exc}") from exc
    typer.echo("migrations at head")


def api() -> None:
    """Run the API (uvicorn) with the environment's settings, in API_WORKERS processes
    (default: one per core).

    Example:
      API_PORT=8080 API_WORKERS=1 smm api
    """
    from services.api.server import serve, server_config

    admin.run_async(admin.check_services)  # unreachable: one line, exit 3
    if not serve(server_config(get_settings())):
        raise CliError("the API did not start (see the log above)", ExitCode.unavailable)


def worker(
    check: Annotated[
        bool,
        typer.Option(
            help="Health check: say what the workers last recorded; exit 0 if one is alive, "
            "4 if none"
        ),
    ] = False,
    burst: Annotated[bool, typer.Option(help="Drain the queue, then exit")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run the arq worker (or check its health).

    Example:
      smm worker --check --json
    """
    from cli.health import dead, worker_health
    from services.worker.main import run

    if check:
        settings = get_settings()
        dsn = admin.redis_url(settings)
        health, interval = admin.run_async(worker_health)
        if as_json:
            emit_json(health.as_dict())
        if not health.alive:
            raise dead(dsn, interval)
        if not as_json:
            typer.echo(health.line())
        return
    if as_json:
        raise admin.usage("--json: only with --check")
    admin.run_async(admin.check_services)  # unreachable: one line, exit 3
    run(burst=True) if burst else run()


def secrets_key() -> None:
    """Print a new SECRETS_KEY (a Fernet key) for encrypting webhook secrets.

    Example:

      SECRETS_KEY=$(smm secrets-key) docker compose up
    """
    typer.echo(generate_key())


def bench(
    only: Annotated[str | None, typer.Option(help="Run one benchmark by id, e.g. PERF-5")] = None,
) -> None:
    """Run the benchmarks (`make bench`): bench/results.json and bench/results.md.

    Example:
      smm bench --only PERF-5
    """
    from bench.__main__ import main

    main(only)


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
    """Entry point (`smm`, `python -m cli.main`)."""
    app()


if __name__ == "__main__":
    main()
