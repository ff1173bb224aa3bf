"""Structured logs (structlog): JSON lines with the request id bound per request, written
through the standard library's `logging`, so that ours and our libraries' records go
through the same handlers (stderr in production, pytest's capture in the tests).

Logs carry no bound parameters, keys, secrets or personal data. The values a request
or a job handles reach a log in one way only: quoted in an exception's message. The
database quotes them (`DETAIL:  Key (key_hash)=(...)`, `Failing row contains (...)`,
`invalid input syntax for type uuid: "..."`), and so does pydantic (`input_value=...`).
Every exception a log shows, in a traceback (`safe_traceback`) or as a field
(`describe`), has such a message replaced by what locates the fault (SQLSTATE, table,
constraint, statement, field) without what was in the row.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

import asyncpg
import pydantic
import pydantic_core
import structlog
from sqlalchemy.exc import EmulatedDBAPIException, StatementError

#: Enough of a statement to find it in the code; a multi-row INSERT can run to megabytes.
SQL_SHOWN = 300

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _postgres_names(exc: asyncpg.PostgresError) -> str:
    """Where PostgreSQL says the error is: identifiers, never values."""
    names = {
        "sqlstate": exc.sqlstate,
        "table": exc.table_name,
        "column": exc.column_name,
        "constraint": exc.constraint_name,
        "type": exc.data_type_name,
    }
    return ", ".join(f"{name} {value}" for name, value in names.items() if value)


def _database_message(exc: BaseException) -> str | None:
    """The database error's message without the values it quotes; None if not one."""
    if isinstance(exc, StatementError):
        # SQLAlchemy's error wraps its asyncpg adapter's, which wraps asyncpg's own.
        cause = exc.orig if exc.orig is not None else exc.__cause__
        driver = getattr(cause, "orig", None) or getattr(cause, "__cause__", None) or cause
        where = "" if driver is None else f"({type(driver).__name__}) "
        if isinstance(driver, asyncpg.PostgresError):
            where += _postgres_names(driver) + " "
        statement = " ".join((exc.statement or "").split())
        if len(statement) > SQL_SHOWN:
            statement = statement[:SQL_SHOWN] + " ..."
        return f"{where}[SQL: {statement}]"
    if isinstance(exc, asyncpg.PostgresError):
        return _postgres_names(exc)
    if isinstance(exc, EmulatedDBAPIException):  # SQLAlchemy's adapter around asyncpg's
        return f"sqlstate {getattr(exc, 'sqlstate', None)}"
    if isinstance(exc, asyncpg.InterfaceError):
        # Client-side: a connection's state, or (DataError) a parameter it could not encode.
        return "" if isinstance(exc, ValueError) else str(exc.args[0] if exc.args else "")
    return None


def safe_message(exc: BaseException) -> str:
    """The exception's message, fit for a log."""
    database = _database_message(exc)
    if database is not None:
        return database
    if isinstance(exc, pydantic_core.ValidationError | pydantic.ValidationError):
        fields = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or '(root)'}: {error['type']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
        return f"{exc.error_count()} validation error(s) for {exc.title}: {fields}"
    return str(exc)


def describe(exc: BaseException) -> str:
    """`Type: message` for a log field, as `safe_message` renders the message."""
    message = safe_message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def safe_traceback(exc_info: ExcInfo) -> str:
    """`traceback.format_exception`, each exception of the chain shown by `safe_message`.
    What caused a database error is the driver's own (a parameter's codec failing on its
    value): shown by its type alone."""
    chain: list[tuple[BaseException, str, bool]] = []
    exc: BaseException | None = exc_info[1]
    link, by_driver = "", False
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, link, by_driver))
        if exc.__cause__ is not None:
            by_driver = by_driver or _database_message(exc) is not None
            exc, link = exc.__cause__, _CAUSE
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, link, by_driver = exc.__context__, _CONTEXT, False
        else:
            exc = None
    lines: list[str] = []
    for exc, link, by_driver in reversed(chain):
        if exc.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(exc.__traceback__))
        kind = type(exc)
        name = kind.__qualname__
        if kind.__module__ not in ("builtins", "__main__"):
            name = f"{kind.__module__}.{name}"
        message = _database_message(exc) if by_driver else safe_message(exc)
        lines.append(f"{name}: {message}\n" if message else f"{name}\n")
        if isinstance(exc, BaseExceptionGroup):  # anyio's task groups raise them
            for number, member in enumerate(exc.exceptions, 1):
                shown = safe_traceback((type(member), member, member.__traceback__))
                lines.append(f"  +---------------- {number} ----------------\n")
                lines.extend(f"    | {line}\n" for line in shown.splitlines())
        lines.append(link)
    return "".join(lines).rstrip("\n")


_record_factory_installed = False


def install_safe_records() -> None:
    """Records of the standard library (uvicorn's "Exception in ASGI application", which
    Starlette re-raises every 500 for; asyncio; arq) carry the exception itself: their
    traceback is rendered here, once, the way every formatter then prints it
    (`Formatter.format` keeps a record's `exc_text`), and exceptions given as arguments
    are replaced by their safe message. Any handler, whoever configured it, prints that."""
    global _record_factory_installed
    if _record_factory_installed:
        return
    _record_factory_installed = True
    make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def safe_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)
        if isinstance(record.args, tuple) and any(
            isinstance(arg, BaseException) for arg in record.args
        ):
            record.args = tuple(
                safe_message(arg) if isinstance(arg, BaseException) else arg for arg in record.args
            )
        return record

    logging.setLogRecordFactory(safe_record)


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            *shared_processors,
            # Both renderers print the `exception` string this leaves, as it is.
            structlog.processors.ExceptionRenderer(safe_traceback),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    install_safe_records()
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    # basicConfig does nothing where a handler is already installed (uvicorn's, pytest's):
    # the level holds all the same.
    logging.getLogger().setLevel(level)
    # httpx logs every request's URL at INFO: a webhook receiver's URL may hold its token,
    # and each attempt is recorded in the database already.
    for noisy in ("uvicorn.access", "arq.jobs", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
