"""Engine and session factory: one pool per process."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.config import Settings


def make_engine(
    settings: Settings, *, pool_size: int | None = None, max_overflow: int | None = None
) -> AsyncEngine:
    size = pool_size or settings.db_pool_size
    return create_async_engine(
        settings.sqlalchemy_url,
        pool_size=size,
        max_overflow=size if max_overflow is None else max_overflow,
        # No pre-ping: it costs a round trip per request. A dropped connection raises, the
        # pool invalidates itself, the client gets 503 + Retry-After, the next try reconnects.
        pool_recycle=1800,
        # Bound values (key hashes, user text) never appear in an error's message, so
        # neither in a logged traceback (SEC-4); the SQL is kept, it is ours.
        hide_parameters=True,
        connect_args={
            "server_settings": {
                "timezone": "UTC",
                "application_name": "smm",
                # KPI reads aggregate ~60 sums per group: keep their hash tables in memory.
                "work_mem": "32MB",
                # JIT compiles those hundreds of expressions for seconds on queries that
                # run in milliseconds (its trigger is the planner's cost, not the time).
                "jit": "off",
                # A client killed mid-query (a worker's SIGKILL, a dropped request) leaves
                # its backend running the query and holding its locks until it next writes
                # to the socket; this makes Postgres notice within a second and roll back.
                "client_connection_check_interval": "1s",
            }
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions over every mapped table: the composite keys between tenant tables
    (`(workspace_id, x)`, migration 0022) resolve only once every table they name is
    known, whichever models the process imported first (the CLI imports few)."""
    import shared.db.models  # noqa: F401  (the registry of every table)

    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
