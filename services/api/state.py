"""What one API process holds for its lifetime: pools and settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.api.auth_limit import AuthFailureLimit
from shared.config import Settings
from shared.jobs.queue import ArqJobQueue


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    #: Autocommit sessions for safe methods: no BEGIN/COMMIT round trips for a read.
    read_sessionmaker: async_sessionmaker[AsyncSession]
    #: The client addresses this process refuses for too many failed authentications.
    auth_failures: AuthFailureLimit = field(default_factory=AuthFailureLimit)

    @property
    def queue(self) -> ArqJobQueue:
        return ArqJobQueue(self.redis)
