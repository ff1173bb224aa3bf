"""Run Alembic from code: `make run`, the CLI and the test harness share this."""

from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from shared.config import ROOT


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["url"] = url
    return config


@lru_cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(url: str, revision: str = "head", distribution: str | None = None) -> None:
    """Migrate to `revision`; with `distribution="citus"` (DATABASE_DISTRIBUTION), then
    distribute over Citus whatever tables are not yet (shared/db/citus.py): after every
    upgrade, so the tables a migration adds are distributed too. Anything else, None
    included, is plain PostgreSQL."""
    command.upgrade(alembic_config(url), revision)
    if distribution == "citus":
        from shared.db.citus import distribute_sync

        distribute_sync(url)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
