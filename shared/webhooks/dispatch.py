"""The delivery pipeline's SQL, set-based: fan out, claim, record (WH-4, WH-5).

Everything a delivery needs lives in Postgres: the outbox event, the delivery row with
its next attempt time, the attempts. Redis holds none of it, so a retry due in ten hours
survives any restart, and nothing is lost while Redis is down.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from shared.webhooks.policy import Verdict, succeeded
from shared.webhooks.service import disable

FAN_OUT_BATCH = 1000
#: How many due deliveries a claim looks at to fill its slots fairly across endpoints.
CLAIM_SCAN = 2000

_FAN_OUT = sa.text(
    """
    WITH events AS (
        SELECT id, workspace_id, type, occurred_at FROM outbox_events
        WHERE workspace_id = :workspace AND dispatched_at IS NULL
        ORDER BY occurred_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
    ), created AS (
        INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type,
                                        status, attempt_count, next_attempt_at, one_off,
                                        created_at)
        SELECT gen_random_uuid(), e.workspace_id, w.id, e.id, e.type,
               'pending', 0, e.occurred_at, false, now()
        FROM events e
        JOIN webhook_endpoints w
          ON w.workspace_id = e.workspace_id AND w.enabled
         AND (e.type = ANY(w.event_types) OR '*' = ANY(w.event_types))
        ON CONFLICT (event_id, endpoint_id, workspace_id) DO NOTHING
        RETURNING 1
    ), dispatched AS (
        UPDATE outbox_events o SET dispatched_at = now()
        FROM events e WHERE o.id = e.id AND o.workspace_id = e.workspace_id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM dispatched), (SELECT count(*) FROM created)
    """
)


#: The workspaces with events waiting, oldest waiting first.
_WAITING = sa.text(
    """
    SELECT workspace_id FROM outbox_events WHERE dispatched_at IS NULL
    GROUP BY workspace_id ORDER BY min(occurred_at) LIMIT :batch
    """
)


async def fan_out(session: AsyncSession, batch: int = FAN_OUT_BATCH) -> tuple[int, int]:
    """One delivery per (event, subscribed enabled endpoint); (events, deliveries) made.
    Each is due from its event's time: due at once, whichever clock reads it (on Citus a
    pushed-down `now()` is the worker node's, later than the coordinator's that the claim
    in the same transaction compares with).

    SKIP LOCKED lets several dispatchers share the backlog; the unique (event, endpoint)
    key makes a repeated fan-out harmless. One statement per workspace with events
    waiting: Citus locks rows only in a statement on one shard (issue 22).
    """
    events = created = 0
    for workspace_id in list(await session.scalars(_WAITING, {"batch": batch})):
        if events >= batch:
            break
        more, made = (
            await session.execute(_FAN_OUT, {"workspace": workspace_id, "batch": batch - events})
        ).one()
        events, created = events + int(more), created + int(made)
    return events, created


_CLAIM = sa.text(
    """
    WITH due AS (
        SELECT id, workspace_id, endpoint_id, next_attempt_at FROM webhook_deliveries
        WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT :scan
    ), ranked AS (
        SELECT id, workspace_id, endpoint_id, next_attempt_at,
               row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at) AS rank
        FROM due
    ), picked AS (
        SELECT r.id, r.workspace_id, r.next_attempt_at AS due_at FROM ranked r
        LEFT JOIN unnest(CAST(:busy_ids AS uuid[]), CAST(:busy_counts AS int[]))
               AS busy(endpoint_id, n) ON busy.endpoint_id = r.endpoint_id
        WHERE r.rank <= :per_endpoint - coalesce(busy.n, 0)
        ORDER BY r.next_attempt_at
        LIMIT :room
    )
    UPDATE webhook_deliveries d
    SET status = 'sending', next_attempt_at = now() + make_interval(secs => :lease)
    FROM picked p, outbox_events e, webhook_endpoints w
    WHERE d.id = p.id AND d.workspace_id = p.workspace_id
      AND e.workspace_id = d.workspace_id AND e.id = d.event_id
      AND w.workspace_id = d.workspace_id AND w.id = d.endpoint_id AND w.enabled
      AND d.status IN ('pending', 'sending') AND d.next_attempt_at <= now()
    RETURNING d.id, d.workspace_id, d.endpoint_id, d.attempt_count, d.one_off, p.due_at,
              e.id AS event_id, e.type AS event_type, e.occurred_at, e.data,
              w.url, w.secret_ciphertext, w.previous_secret_ciphertext,
              w.previous_secret_expires_at, w.failing_since
    """
).columns(id=sa.Uuid, workspace_id=sa.Uuid, endpoint_id=sa.Uuid, event_id=sa.Uuid, data=JSONB)


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    workspace_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempt_count: int
    one_off: bool
    due_at: datetime
    event_id: uuid.UUID
    event_type: str
    occurred_at: datetime
    data: Any
    url: str
    secret_ciphertext: str
    previous_secret_ciphertext: str | None
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None


async def claim(
    session: AsyncSession,
    *,
    room: int,
    per_endpoint: int,
    busy: dict[uuid.UUID, int],
    lease_seconds: float,
) -> list[Claimed]:
    """Lease up to `room` due deliveries, at most `per_endpoint` in flight per endpoint
    counting the `busy` ones this process already holds: one slow receiver cannot take
    every slot. The lease (status `sending` until `next_attempt_at`) expires if this
    process dies mid-attempt, and the delivery is then tried again, same `webhook-id`.

    The UPDATE re-checks status and due time on each row, so two dispatchers racing for
    the same row cannot both win it.
    """
    rows = await session.execute(
        _CLAIM,
        {
            "scan": CLAIM_SCAN,
            "room": room,
            "per_endpoint": per_endpoint,
            "busy_ids": list(busy),
            "busy_counts": list(busy.values()),
            "lease": lease_seconds,
        },
    )
    return [Claimed(**row) for row in rows.mappings()]


@dataclass(frozen=True)
class Outcome:
    delivery: Claimed
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None
    error: str | None
    verdict: Verdict

    @property
    def number(self) -> int:
        return self.delivery.attempt_count + 1


_FINISH = (
    sa.update(WebhookDelivery)
    .where(
        WebhookDelivery.workspace_id == sa.bindparam("b_workspace"),
        WebhookDelivery.id == sa.bindparam("b_id"),
        WebhookDelivery.status == DeliveryStatus.sending,
        WebhookDelivery.attempt_count == sa.bindparam("b_previous"),
    )
    .values(
        status=sa.bindparam("b_status"),
        attempt_count=sa.bindparam("b_number"),
        next_attempt_at=sa.bindparam("b_next"),
        one_off=False,
        last_attempt_at=sa.bindparam("b_at"),
        last_status_code=sa.bindparam("b_code"),
        last_error=sa.bindparam("b_error"),
        finished_at=sa.bindparam("b_finished"),
    )
)

_STILL_FAILING = (
    sa.update(WebhookEndpoint)
    .where(WebhookEndpoint.id == sa.bindparam("b_id"))
    .values(failing_since=sa.func.coalesce(WebhookEndpoint.failing_since, sa.bindparam("b_since")))
)


async def record(session: AsyncSession, outcomes: list[Outcome], now: datetime) -> None:
    """Every attempt, its delivery's new state and its endpoint's health, in a few
    statements whatever the batch size."""
    if not outcomes:
        return
    conn = await session.connection()
    # An endpoint deleted while its attempt was in flight took the delivery with it; the
    # lock keeps the survivors until COMMIT.
    # One lock per workspace: Citus locks rows only in a statement on one shard.
    by_workspace: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for o in outcomes:
        by_workspace[o.delivery.workspace_id].append(o.delivery.id)
    alive: set[uuid.UUID] = set()
    for workspace_id, ids in by_workspace.items():
        alive.update(
            await conn.scalars(
                sa.select(WebhookDelivery.id)
                .where(WebhookDelivery.workspace_id == workspace_id, WebhookDelivery.id.in_(ids))
                .with_for_update()
            )
        )
    outcomes = [o for o in outcomes if o.delivery.id in alive]
    if not outcomes:
        return
    await conn.execute(
        sa.insert(WebhookAttempt),
        [
            {
                "id": uuid.uuid4(),
                "workspace_id": o.delivery.workspace_id,
                "delivery_id": o.delivery.id,
                "number": o.number,
                "attempted_at": o.attempted_at,
                "duration_ms": o.duration_ms,
                "status_code": o.status_code,
                "response_body": o.response_body,
                "error": o.error,
            }
            for o in outcomes
        ],
    )
    await conn.execute(
        _FINISH,
        [
            {
                "b_workspace": o.delivery.workspace_id,
                "b_id": o.delivery.id,
                "b_previous": o.delivery.attempt_count,
                "b_status": o.verdict.status,
                "b_number": o.number,
                "b_next": o.verdict.next_attempt_at,
                "b_at": o.attempted_at,
                "b_code": o.status_code,
                "b_error": o.error,
                "b_finished": None if o.verdict.status == DeliveryStatus.pending else now,
            }
            for o in outcomes
        ],
    )
    healthy = {o.delivery.endpoint_id for o in outcomes if succeeded(o.status_code)}
    failing: dict[uuid.UUID, datetime] = {}
    disabled: dict[str, list[uuid.UUID]] = defaultdict(list)
    for o in outcomes:
        endpoint = o.delivery.endpoint_id
        if endpoint not in healthy:
            failing[endpoint] = min(failing.get(endpoint, o.attempted_at), o.attempted_at)
        if o.verdict.disable_reason and endpoint not in disabled[o.verdict.disable_reason]:
            disabled[o.verdict.disable_reason].append(endpoint)
    if healthy:
        await conn.execute(
            sa.update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(healthy), WebhookEndpoint.failing_since.is_not(None))
            .values(failing_since=None)
        )
    if failing:
        await conn.execute(
            _STILL_FAILING, [{"b_id": ident, "b_since": since} for ident, since in failing.items()]
        )
    for reason, endpoint_ids in disabled.items():
        await disable(session, endpoint_ids, reason, now)


PURGE_BATCH = 5000

_PURGE_DELIVERIES = sa.text(
    """
    DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status IN ('succeeded', 'failed') AND finished_at < :before
        LIMIT :batch
    )
    """
)
_PURGE_EVENTS = sa.text(
    """
    DELETE FROM outbox_events WHERE id IN (
        SELECT e.id FROM outbox_events e
        WHERE e.dispatched_at < :before
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries d
              WHERE d.workspace_id = e.workspace_id AND d.event_id = e.id
          )
        LIMIT :batch
    )
    """
)


async def purge(session: AsyncSession, before: datetime) -> tuple[int, int]:
    """One batch of finished deliveries (their attempts cascade) and of dispatched events
    no delivery needs any more, older than `before`. Waiting deliveries keep their event
    whatever its age. Returns (deliveries, events) deleted; call again while non-zero."""
    params = {"before": before, "batch": PURGE_BATCH}
    deliveries = (await session.execute(_PURGE_DELIVERIES, params)).rowcount  # type: ignore[attr-defined]
    events = (await session.execute(_PURGE_EVENTS, params)).rowcount  # type: ignore[attr-defined]
    return int(deliveries), int(events)
