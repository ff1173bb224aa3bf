"""CRI-1..CRI-4 end to end: the API, a real arq worker running the analysis jobs and the
evaluation cron, and a real local receiver verifying every webhook's signature."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from services.api.state import Resources
from services.worker.resilient import ResilientWorker
from shared.config import Settings
from shared.jobs.queue import ArqJobQueue
from shared.listening.jobs import AnalyseMentions
from tests import factories
from tests.conftest import Tenant
from tests.factories import scheduled_item
from tests.helpers.listening import ingest, item_status, mention, post, term
from tests.helpers.outbox import outbox_events
from tests.helpers.receiver import Inbox, Receiver
from tests.helpers.waiting import wait_until
from tests.helpers.worker import WorkerFactory

NEGATIVE = "Éclat arnaque totale, remboursement refusé 😡 #BoycottEclat"
POSITIVE = "Merci Éclat, livraison au top 😍"
NEUTRAL = "Éclat commande reçue ce matin"


def events(inbox: Inbox, secret: str, kind: str) -> list[dict[str, Any]]:
    """Received events of one type, each verified with the Standard Webhooks library."""
    found = []
    for request in inbox.received:
        body = Webhook(secret).verify(request.body, request.headers)
        if body["type"] == kind:
            found.append(body["data"])
    return found


async def burst(
    tenant: Tenant, resources: Resources, worker: ResilientWorker, rows: list[dict[str, Any]]
) -> None:
    """Mentions through the API; the batch's recorded analysis job is moved to the test
    worker's own queue (the API rang the default queue, which no test worker reads: it
    holds other tests' leftovers)."""
    response = await post(tenant, rows)
    assert response.status_code == 202, response.text
    async with resources.engine.connect() as conn:
        job_id = await conn.scalar(
            sa.text("SELECT job_id FROM ingest_batches WHERE id = :id"),
            {"id": uuid.UUID(response.json()["id"])},
        )
    await worker.pool.zrem(worker.pool.default_queue_name, str(job_id))
    await worker.pool.delete(f"arq:job:{job_id}")
    assert await ArqJobQueue(worker.pool, worker.queue_name).send(
        AnalyseMentions.NAME, str(job_id), tenant.id
    )


async def time_passes(resources: Resources, tenant: Tenant, hours: float) -> None:
    """The test cannot wait out a two-hour cooldown: the workspace's mentions and alerts
    move into the past instead. In UTC wall time: `timestamptz - interval` is STABLE,
    which Citus refuses over a column in an UPDATE; `timestamp - interval` is not."""
    shift = {"w": uuid.UUID(tenant.id), "h": hours}
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE mentions SET posted_at = "
                "(posted_at AT TIME ZONE 'UTC' - make_interval(hours => :h)) AT TIME ZONE 'UTC' "
                "WHERE workspace_id = :w"
            ),
            shift,
        )
        await conn.execute(
            sa.text(
                "UPDATE alerts SET last_held_at = (last_held_at AT TIME ZONE 'UTC'"
                " - make_interval(hours => :h)) AT TIME ZONE 'UTC', opened_at = (opened_at"
                " AT TIME ZONE 'UTC' - make_interval(hours => :h)) AT TIME ZONE 'UTC'"
                " WHERE workspace_id = :w"
            ),
            shift,
        )


async def alerts(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    response = await tenant.http.get("/v1/alerts", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_crisis_opens_escalates_freezes_publishing_and_resolves(
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
    receiver: Receiver,
    fast_settings: Settings,
    start_worker: WorkerFactory,
) -> None:
    await term(tenant, "Éclat", synonyms=["#eclatparis"])
    inbox = receiver.inbox()
    hook = await factories.webhook_endpoint(
        tenant, url=inbox.url, event_types=["alert.opened", "alert.escalated", "alert.resolved"]
    )
    secret = hook["secret"]
    created = await tenant.http.post(
        "/v1/escalation-policies",
        json={
            "name": "Brand crisis",
            "freeze_publishing_at": "crisis",
            "playbook": [
                {"text": "Pause scheduled posts and ads", "owner_role": "social_lead"},
                {"text": "Draft a holding statement", "owner_role": "communications"},
            ],
        },
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    policy = created.json()
    assert [lvl["level"] for lvl in policy["levels"]] == ["watch", "alert", "crisis"]
    account = await factories.social_account(tenant)
    tomorrow = await scheduled_item(tenant, account, 1)
    soon = await scheduled_item(tenant, account, 1)
    # A quiet week: one mention an hour, so a 60-minute window expects one.
    now = datetime.now(UTC)
    quiet = [
        mention(
            NEUTRAL if hour % 2 else POSITIVE,
            posted_at=(now - timedelta(hours=hour + 1, minutes=30)).isoformat(),
        )
        for hour in range(7 * 24)
    ]
    assert (await ingest(tenant, resources, settings, quiet))["status"] == "succeeded"
    assert await alerts(tenant) == []

    worker = await start_worker(
        fast_settings.model_copy(update={"crisis_eval_interval_seconds": 1}),
        crons=("crisis.evaluate", "content.release_due"),
    )
    # 20 mentions in the window, half negative: 0.5 negative, 20x the volume -> "alert".
    await burst(
        tenant,
        resources,
        worker,
        [mention(NEGATIVE, author_followers=50_000 if i == 0 else 100) for i in range(10)]
        + [mention(POSITIVE) for _ in range(10)],
    )
    await wait_until(lambda: events(inbox, secret, "alert.opened"), within=15)
    (opened,) = events(inbox, secret, "alert.opened")
    assert opened["alert"]["level"] == "alert"
    assert opened["alert"]["metrics"]["mention_count"] == 20
    assert opened["alert"]["metrics"]["negative_share"] == 0.5
    # Weights log10(10 + followers): one negative author with 50,000 followers, the 19
    # others with 100 each.
    assert opened["alert"]["metrics"]["weighted_negative_share"] == pytest.approx(
        (math.log10(50_010) + 9 * math.log10(110)) / (math.log10(50_010) + 19 * math.log10(110)),
        abs=1e-6,
    )
    assert opened["alert"]["metrics"]["expected_count"] == 1.0
    explanation = opened["alert"]["explanation"]
    assert explanation["hashtags"][0]["key"] == "boycotteclat"
    assert explanation["hashtags"][0]["lift"] is None  # never seen before the window
    assert explanation["top_authors"][0] == {
        "handle": "@someone",
        "followers": 50_000,
        "mentions": 20,
        "negative": 10,
    }
    assert explanation["languages"][0]["key"] == "fr"
    assert explanation["sentiment_delta"] < 0
    assert "20 mentions en 60 min" in explanation["summary"]  # the workspace speaks French
    assert len(opened["alert"]["sample_mention_ids"]) == 20
    assert [s["done"] for s in opened["alert"]["playbook"]] == [False, False]
    assert await item_status(tenant, tomorrow) == "scheduled"  # "alert" does not freeze

    # 20 more negative: 30 of 40 negative (0.75) and 40x the volume -> "crisis".
    await burst(tenant, resources, worker, [mention(NEGATIVE) for _ in range(20)])
    await wait_until(lambda: events(inbox, secret, "alert.escalated"), within=15)
    (escalated,) = events(inbox, secret, "alert.escalated")
    assert escalated["previous_level"] == "alert"
    assert escalated["alert"]["id"] == opened["alert"]["id"]
    assert [s["level"] for s in escalated["alert"]["escalations"]] == ["alert", "crisis"]
    assert escalated["alert"]["escalations"][1]["metrics"]["negative_share"] == 0.75
    assert escalated["alert"]["freezing"] is True
    listed = await alerts(tenant)
    assert len(listed) == 1, "one open alert per policy"

    # CRI-4: the crisis froze publishing.
    assert await item_status(tenant, tomorrow) == "on_hold"
    assert await item_status(tenant, soon) == "on_hold"
    # Due during the freeze: never handed to publishing.
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE content_items SET scheduled_at = now() - interval '1 s' WHERE id = :i"),
            {"i": uuid.UUID(soon["id"])},
        )
    late = await scheduled_item(tenant, account, 1)  # scheduled during the freeze
    await wait_until(lambda: _status_is(tenant, late, "on_hold"), within=10)

    # Quiet again past the cooldown: resolved by the cron, content released.
    await time_passes(resources, tenant, 3)
    await wait_until(lambda: events(inbox, secret, "alert.resolved"), within=15)
    (resolved,) = events(inbox, secret, "alert.resolved")
    assert (resolved["alert"]["status"], resolved["alert"]["resolved_by"]) == (
        "resolved",
        "cooldown",
    )
    assert await item_status(tenant, tomorrow) == "scheduled"
    assert await item_status(tenant, soon) == "approved"  # its time passed while frozen
    assert await item_status(tenant, late) == "scheduled"
    handed_over = len(await outbox_events(resources, tenant.id, "content_item.due"))
    assert handed_over == 0
    assert len(events(inbox, secret, "alert.opened")) == 1

    # A new burst opens a new alert; acknowledged, it outlives its cooldown.
    await burst(tenant, resources, worker, [mention(NEGATIVE) for _ in range(25)])
    await wait_until(lambda: len(events(inbox, secret, "alert.opened")) == 2, within=15)
    second = events(inbox, secret, "alert.opened")[1]["alert"]
    url = f"/v1/alerts/{second['id']}"
    acked = await tenant.http.patch(
        url, json={"status": "acknowledged", "playbook_done": [0]}, headers=tenant.admin
    )
    assert acked.status_code == 200, acked.text
    assert [s["done"] for s in acked.json()["playbook"]] == [True, False]
    await time_passes(resources, tenant, 3)
    passed = datetime.now(UTC)
    # Two rounds of the every-second evaluation cron, begun since.
    await wait_until(lambda: worker.rounds("crisis.evaluate", passed) >= 2, within=15)
    still = (await tenant.http.get(url, headers=tenant.admin)).json()
    assert still["status"] == "acknowledged"
    done = await tenant.http.patch(
        url,
        json={"status": "resolved", "postmortem": "Courier strike; refunds sent within 24 h."},
        headers=tenant.admin,
    )
    assert done.status_code == 200, done.text
    await wait_until(lambda: len(events(inbox, secret, "alert.resolved")) == 2, within=15)
    by_hand = events(inbox, secret, "alert.resolved")[1]["alert"]
    assert (by_hand["resolved_by"], by_hand["postmortem"]) == (
        "user",
        "Courier strike; refunds sent within 24 h.",
    )
    reopen = await tenant.http.patch(url, json={"status": "open"}, headers=tenant.admin)
    assert reopen.status_code == 409


async def _status_is(tenant: Tenant, item: factories.ContentItem, status: str) -> bool:
    return await item_status(tenant, item) == status
