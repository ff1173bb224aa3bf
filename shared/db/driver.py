"""Hot reads on the driver: Core statements compiled once, run by asyncpg itself.

SQLAlchemy's execution layer (a greenlet hop, an execution context, result wrapping) costs
about 100 µs of CPU per statement on this stack, asyncpg's own prepared statement about
40 µs (PERF-5, docs/benchmarks.md). The few statements every request runs (the API key
lookup, a single-row read) are therefore written as Core statements, so the schema stays
their source, compiled once to asyncpg's SQL, and run on the pooled connection's driver
connection: the same pool, its sizes and its invalidation on a lost connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]

_REQUIRED = object()

#: What a lost or refused database connection raises from the driver.
CONNECTION_ERRORS = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement as asyncpg SQL (`$1`, `$2`...) with, in that order, the names of
    its `bindparam`s or the literal values the statement holds. Values go to asyncpg as
    they are: pass plain values (an enum's `.value`)."""

    sql: str
    params: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, statement: sa.ClauseElement) -> DriverStatement:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if prefetch:
            # SQLAlchemy's execution computes these (`onupdate=`): here they would be unset.
            names = ", ".join(column.key for column in prefetch)
            raise ValueError(f"give the statement's column defaults explicitly: {names}")
        params = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            params.append((name, _REQUIRED) if bind.required else (name, bind.effective_value))
        return cls(str(compiled), tuple(params))

    def args(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] if fixed is _REQUIRED else fixed for name, fixed in self.params]

    async def fetchrow(self, conn: asyncpg.Connection, **values: Any) -> asyncpg.Record | None:
        return await conn.fetchrow(self.sql, *self.args(values))

    async def execute(self, conn: asyncpg.Connection, **values: Any) -> str:
        status: str = await conn.execute(self.sql, *self.args(values))
        return status


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg connection, outside any transaction (each statement
    commits on its own, as the API's autocommit reads do). A connection that failed is
    invalidated, never handed out again, and the failure raised as a `ConnectionError`
    (the API answers 503)."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    except CONNECTION_ERRORS as exc:
        pooled.invalidate(exc)
        raise ConnectionError(f"database connection failed: {type(exc).__name__}") from exc
    finally:
        pooled.close()
