"""Databases of their own, next to the suite's, for tests that migrate from scratch."""

from __future__ import annotations

import asyncpg

from tests.harness import Services


async def recreate(admin_url: str, name: str) -> None:
    """Drop `name` (with its connections) and create it empty."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def urls(services: Services, name: str) -> tuple[str, str]:
    """The server's admin database URL, and the URL of database `name` on it."""
    base, _, _ = services.database_url.rpartition("/")
    return f"{base}/postgres", f"{base}/{name}"
