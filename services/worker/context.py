"""The worker's typed context: what arq's untyped `ctx` dict carries for us."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.worker.analysis import AnalysisPool
from shared.config import Settings
from shared.jobs.queue import ArqJobQueue


@dataclass
class WorkerContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    #: Where mentions are scored; None scores them on the event loop (tests' handlers).
    analysis: AnalysisPool | None = None

    @property
    def queue(self) -> ArqJobQueue:
        return ArqJobQueue(self.redis)


def typed(ctx: dict[str, Any]) -> WorkerContext:
    context: WorkerContext = ctx["app"]
    return context
