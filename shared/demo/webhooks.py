"""The demo's webhook endpoints and their delivery history (WH-4), both on loopback: no
real network is ever involved.

- "Entrepôt de données (BI)" takes ingestion, attribution and target events, and
  answered them all.
- "Astreinte SMS" relays alerts. It took last month's storm alerts (one after a 503 and a
  retry); its relay was then decommissioned and its address now refuses connections: the
  test sent two days ago failed through the whole retry schedule, and today's events
  wait for their next try, which the worker makes (and fails) like any other.

Each attempt's outcome goes through the delivery policy (`webhooks.policy.judge`) at its
own time, as the dispatcher would have judged it. The endpoints are written directly
rather than through `create_endpoint`, whose address check (WH-1: https, public
addresses) a loopback receiver cannot pass unless the operator allows private addresses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shared.config import Settings
from shared.db.uow import UnitOfWork
from shared.outbox.models import OutboxEvent
from shared.webhooks.events import WebhookTest
from shared.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from shared.webhooks.policy import judge
from shared.webhooks.service import secret_box
from shared.webhooks.signing import generate_secret

#: What httpx says when nothing listens on the port (as the dispatcher records it).
REFUSED = "ConnectError: All connection attempts failed"


@dataclass(frozen=True)
class _Receiver:
    name: str
    url: str
    event_types: tuple[str, ...]
    #: From then on every attempt is refused; before, it answered 200.
    down_since: datetime | None


async def seed(
    uow: UnitOfWork, workspace_id: uuid.UUID, settings: Settings, now: datetime, days: int
) -> list[WebhookEndpoint]:
    """Both endpoints, one delivery per (undispatched event, subscribed endpoint) as the
    fan-out makes them, their attempts replayed, and the events marked dispatched."""
    box = secret_box(settings)
    down_since = now - timedelta(days=2, hours=3)
    receivers = (
        _Receiver(
            "Entrepôt de données (BI) — connecteur local",
            "http://127.0.0.1:8787/webhooks/smm",
            # What people ask for: no scheduled event (an audience's hourly refresh) that the
            # worker would send on its own to a receiver that is not there.
            ("ingest.completed", "attribution.completed", "kpi.target_missed"),
            None,
        ),
        _Receiver(
            "Astreinte SMS — relais des alertes (décommissionné)",
            "http://127.0.0.1:9/hooks/smm",
            ("alert.opened", "alert.escalated", "alert.resolved", "segment.computed"),
            down_since,
        ),
    )
    endpoints = []
    for receiver in receivers:
        endpoint = WebhookEndpoint(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            url=receiver.url,
            event_types=list(receiver.event_types),
            description=receiver.name,
            enabled=True,
            secret_ciphertext=box.encrypt(generate_secret()),
            created_at=now - timedelta(days=days),
        )
        uow.session.add(endpoint)
        endpoints.append((endpoint, receiver))
    await uow.session.flush()
    failing = endpoints[1][0]
    # Someone pressed "Test" when the SMS stopped: a test event for that endpoint alone.
    test = uow.emit(
        workspace_id,
        WebhookTest(endpoint_id=failing.id, message="Test event from the SMM Platform"),
    )
    test.occurred_at = down_since + timedelta(hours=1)
    await uow.session.flush()
    pending = (
        await uow.session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.workspace_id == workspace_id, OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
    ).all()
    runs: dict[uuid.UUID, datetime | None] = {endpoint.id: None for endpoint, _ in endpoints}
    planned: list[tuple[OutboxEvent, WebhookEndpoint, _Receiver]] = []
    for event in pending:
        for endpoint, receiver in endpoints:
            wanted = event.type in receiver.event_types or (
                event.type == WebhookTest.type and endpoint.id == failing.id
            )
            if wanted and (event.type != WebhookTest.type or event.id == test.id):
                planned.append((event, endpoint, receiver))
        event.dispatched_at = event.occurred_at
    # The replay stops where the dispatcher takes over: just after the seed's own events.
    horizon = max([now, *(event.occurred_at for event in pending)]) + timedelta(seconds=2)
    for event, endpoint, receiver in planned:
        flaky = event.type == "alert.escalated"  # the relay was busy, then took it
        uow.session.add(_deliver(event, endpoint, receiver, settings, horizon, runs, flaky=flaky))
    for endpoint, _ in endpoints:
        endpoint.failing_since = runs[endpoint.id]
    await uow.session.flush()
    return [endpoint for endpoint, _ in endpoints]


def _deliver(
    event: OutboxEvent,
    endpoint: WebhookEndpoint,
    receiver: _Receiver,
    settings: Settings,
    until: datetime,
    runs: dict[uuid.UUID, datetime | None],
    *,
    flaky: bool,
) -> WebhookDelivery:
    """One delivery, its attempts up to `until` judged one by one (`runs` holds each
    endpoint's current run of failures, as `failing_since`)."""
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        workspace_id=event.workspace_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        event_type=event.type,
        status=DeliveryStatus.pending,
        attempt_count=0,
        next_attempt_at=event.occurred_at,
        one_off=False,
        created_at=event.occurred_at,
        attempts=[],
    )
    at = event.occurred_at + timedelta(milliseconds=350)
    while delivery.status == DeliveryStatus.pending and at <= until:
        number = delivery.attempt_count + 1
        down = receiver.down_since is not None and at >= receiver.down_since
        code: int | None = None if down else 503 if flaky and number == 1 else 200
        error = REFUSED if down else None
        delivery.attempts.append(
            WebhookAttempt(
                id=uuid.uuid4(),
                delivery_id=delivery.id,
                number=number,
                attempted_at=at,
                duration_ms=2 if down else 41 + number * 7,
                status_code=code,
                response_body=None
                if code is None
                else '{"received": true}'
                if code == 200
                else "upstream busy, retry later",
                error=error,
            )
        )
        verdict = judge(
            code,
            attempt=number,
            one_off=False,
            schedule=settings.webhook_retry_schedule,
            now=at,
            failing_since=runs[endpoint.id],
        )
        runs[endpoint.id] = None if code == 200 else runs[endpoint.id] or at
        delivery.attempt_count = number
        delivery.last_attempt_at = at
        delivery.last_status_code = code
        delivery.last_error = error
        delivery.status = verdict.status
        delivery.next_attempt_at = verdict.next_attempt_at
        if verdict.status != DeliveryStatus.pending:
            delivery.finished_at = at
        else:
            assert verdict.next_attempt_at is not None
            at = verdict.next_attempt_at + timedelta(milliseconds=200)
    return delivery
