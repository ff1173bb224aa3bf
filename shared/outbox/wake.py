"""The doorbell of the webhook dispatchers: a NOTIFY on one channel, sent at COMMIT.

The unit of work rings it when it commits outbox events (a trigger did before issue 22:
on Citus it would fire on the worker nodes, whose NOTIFY no dispatcher hears). NOTIFY is
transactional: a rolled-back transaction rings nothing. The dispatchers also poll, so
this is latency, not safety.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

#: The channel dispatchers LISTEN on.
CHANNEL = "smm_webhooks"


async def wake_dispatchers(session: AsyncSession) -> None:
    """Delivered at COMMIT (and dropped on rollback): work is picked up at once."""
    await session.execute(sa.select(sa.func.pg_notify(CHANNEL, "")))
