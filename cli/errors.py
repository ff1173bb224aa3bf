"""How `smm` fails: one line on stderr and an exit code a script can branch on (the table
is `EXIT_CODES`, shown by `smm --help`), never a traceback unless `--debug` asks for it.

Errors are translated here, once, for every command: the domain's refusals
(`shared.errors`), invalid settings, unreachable services, and click's usage errors.
Messages never hold secrets: a URL is shown as its host and port, an unexpected
exception as its class (its message may quote bound values: a key's hash, a password)."""

from __future__ import annotations

import enum
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import typer
from typer._click.exceptions import (  # typer vendors click: its exceptions are these
    BadParameter,
    ClickException,
    MissingParameter,
)


class ExitCode(enum.IntEnum):
    ok = 0
    #: The command line is well formed but what it asks is refused: not found, conflict.
    refused = 1
    #: The command line is wrong: unknown command or option, missing argument, a value
    #: that is not one of the choices, not a UUID, not a known time zone or currency.
    usage = 2
    #: PostgreSQL or Redis is unreachable or refuses the connection; the API cannot bind.
    unavailable = 3
    #: A check found a problem: `webhooks failing` lists an endpoint, `worker --check`
    #: finds no live worker.
    unhealthy = 4
    #: The settings (environment, .env) are invalid or incomplete.
    config = 5
    #: A bug: an unexpected exception (`--debug` shows its traceback).
    internal = 70
    #: Interrupted (Ctrl-C).
    interrupted = 130


EXIT_CODES = """Exit codes:
  0    success
  1    refused: not found, conflict, a value the platform rejects
  2    usage: unknown command or option, missing or invalid argument or value
  3    service unavailable: PostgreSQL or Redis unreachable, API port taken
  4    check failed: `webhooks failing` found some, `worker --check` none alive
  5    invalid settings (environment or .env)
  70   internal error: a bug (--debug shows the traceback)
  130  interrupted"""


class CliError(Exception):
    """A failure the CLI reports as one line and an exit code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.refused) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def where(url: str) -> str:
    """`host:port` of a service URL: never its user or password."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or '?'}{port}"


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _connection_reason(exc: BaseException) -> str:
    """Why a connection failed, in words that hold no secret: the OS's reason, a timeout,
    or the server's own refusal (PostgreSQL and Redis name the user, never the password)."""
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno > 0:
        return os.strerror(exc.errno).lower()  # asyncio's own text quotes the address
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    orig = getattr(exc, "orig", None)
    if orig is not None and orig is not exc:
        return _connection_reason(orig)
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, OSError | TimeoutError):
        return _connection_reason(cause)
    return _first_line(str(exc)) or type(exc).__name__


@contextmanager
def reaching(service: str, url: str) -> Iterator[None]:
    """Report a failure to connect to `service` at `url` as exit 3, naming its host."""
    try:
        yield
    except CliError:
        raise
    except Exception as exc:
        raise CliError(
            f"{service} at {where(url)} is unavailable: {_connection_reason(exc)}",
            ExitCode.unavailable,
        ) from exc


def _settings_problems(exc: Exception) -> str:
    from pydantic import ValidationError

    assert isinstance(exc, ValidationError)
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    )


def translate(exc: BaseException) -> tuple[str, ExitCode]:
    """The line and exit code an exception escaping a command is reported with."""
    from pydantic import ValidationError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from shared.errors import DomainError, NotFound, ValidationFailed

    if isinstance(exc, CliError):
        return exc.message, exc.code
    if isinstance(exc, ValidationFailed):
        fields = "; ".join(f"{e.loc[-1]}: {e.msg}" for e in exc.errors) or exc.detail
        return fields, ExitCode.refused
    if isinstance(exc, NotFound):
        return exc.detail, ExitCode.refused
    if isinstance(exc, DomainError):
        return exc.detail, ExitCode.refused
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return f"invalid settings: {_settings_problems(exc)}", ExitCode.config
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return f"Redis is unavailable: {_connection_reason(exc)}", ExitCode.unavailable
    if isinstance(exc, KeyboardInterrupt | typer.Abort):
        return "interrupted", ExitCode.interrupted
    name = type(exc).__name__
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapper: the driver's message has no
    if orig is not None:  # bound values (they are in the wrapper's text)
        name = f"{name}: {_first_line(str(orig))}"
    return f"internal error ({name}); rerun with --debug for the traceback", ExitCode.internal


def usage_line(exc: ClickException) -> str:
    """Click's usage error as one line: the command, what is wrong, where help is."""
    param = exc.param if isinstance(exc, BadParameter) else None
    if param is not None and not isinstance(exc, MissingParameter):
        assert isinstance(exc, BadParameter)
        name = param.opts[0] if param.param_type_name == "option" else param.human_readable_name
        what = f"{name}: {exc.message}"
    else:
        what = exc.format_message()
    what = " ".join(what.split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return what
    return f"{ctx.command_path}: {what} (see '{ctx.command_path} --help')"


def report(line: str, *, debug: bool, exc: BaseException | None = None) -> None:
    """The one line on stderr; with --debug the traceback first."""
    if debug and exc is not None:
        traceback.print_exception(exc, file=sys.stderr)
    typer.secho(line, fg=typer.colors.RED, err=True)
