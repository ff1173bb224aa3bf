"""The work waiting, as `/metrics` reports it (OPS-4): read at scrape time from
PostgreSQL and returned as plain numbers; the API's metrics adapter sets its gauges."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_JOBS = sa.text("SELECT name, status, count(*) FROM jobs GROUP BY 1, 2")
_OUTBOX = sa.text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0) "
    "FROM outbox_events WHERE dispatched_at IS NULL"
)
_WEBHOOKS = sa.text(
    "SELECT count(*), "
    "coalesce(extract(epoch FROM now() - min(e.occurred_at)), 0), "
    "coalesce(extract(epoch FROM now() - min(d.next_attempt_at) "
    "  FILTER (WHERE d.status = 'pending')), 0) "
    "FROM webhook_deliveries d "
    "JOIN outbox_events e ON e.workspace_id = d.workspace_id AND e.id = d.event_id "
    "WHERE d.status IN ('pending', 'sending')"
)
_ALERTS = sa.text("SELECT level, count(*) FROM alerts WHERE status <> 'resolved' GROUP BY 1")


@dataclass(frozen=True)
class OutboxBacklog:
    undispatched: int
    oldest_seconds: float


@dataclass(frozen=True)
class WebhookBacklog:
    #: Deliveries pending or in flight.
    waiting: int
    #: Age of the oldest event still waiting for a delivery (queue lag).
    oldest_seconds: float
    #: How far past its attempt time the most overdue delivery is (dispatcher lag).
    overdue_seconds: float


async def jobs_by_status(conn: AsyncConnection) -> dict[tuple[str, str], int]:
    """Recorded jobs counted by (name, status)."""
    rows = await conn.execute(_JOBS)
    return {(str(name), str(status)): int(count) for name, status, count in rows}


async def outbox_backlog(conn: AsyncConnection) -> OutboxBacklog:
    pending, lag = (await conn.execute(_OUTBOX)).one()
    return OutboxBacklog(int(pending), float(lag))


async def webhook_backlog(conn: AsyncConnection, outbox: OutboxBacklog) -> WebhookBacklog:
    waiting, oldest, overdue = (await conn.execute(_WEBHOOKS)).one()
    # Undispatched events wait too: the lag is the older of the two.
    return WebhookBacklog(
        int(waiting), max(float(oldest), outbox.oldest_seconds), max(0.0, float(overdue))
    )


async def open_alerts(conn: AsyncConnection) -> dict[str, int]:
    """Unresolved crisis alerts counted by level."""
    return {str(level): int(count) for level, count in await conn.execute(_ALERTS)}
