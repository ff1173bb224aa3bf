"""Real PostgreSQL and Redis for the test session: embedded ones unless TEST_*_URL are set."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.config import ROOT
from shared.db.migrate import upgrade
from shared.embedded import EmbeddedPostgres, EmbeddedRedis

TEST_DATA = ROOT / ".data" / "test"


@dataclass
class Services:
    database_url: str
    redis_url: str


def _reset_schema(url: str) -> None:
    """A given TEST_DATABASE_URL is emptied: the schema comes from the migrations only."""

    async def reset() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()

    asyncio.run(reset())


@contextmanager
def running_services(data_dir: Path = TEST_DATA) -> Iterator[Services]:
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    postgres = redis = None
    try:
        if not database_url:
            postgres = EmbeddedPostgres(data_dir / "postgres", durable=False)
            postgres.start()
            database_url = postgres.create_database("smm_test", drop=True)
        else:
            _reset_schema(database_url)
        if not redis_url:
            redis = EmbeddedRedis(data_dir / "redis")
            redis_url = redis.start()
        # `citus` (make test-citus): the schema distributed over the cluster, as deployed.
        upgrade(database_url, distribution=os.environ.get("DATABASE_DISTRIBUTION"))
        yield Services(database_url, redis_url)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
