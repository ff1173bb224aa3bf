"""Webhook delivery end to end: the real API writes events, a real arq worker's dispatcher
delivers them to a real HTTP receiver, which verifies them with `standardwebhooks`."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from arq.connections import RedisSettings, create_pool
from standardwebhooks import Webhook

from services.api.main import create_app
from services.api.state import Resources
from services.worker.main import release_due_content
from services.worker.webhooks import DELIVERIES
from shared.config import Settings
from shared.db.base import utcnow
from shared.embedded import EmbeddedRedis
from shared.webhooks.dispatch import claim, fan_out
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.dns import FakeDNS
from tests.helpers.outbox import outbox_events
from tests.helpers.receiver import Inbox, Receiver
from tests.helpers.waiting import wait_until
from tests.helpers.worker import WorkerFactory


async def endpoint(tenant: Tenant, inbox: Inbox, **fields: Any) -> factories.WebhookEndpoint:
    return await factories.webhook_endpoint(tenant, url=inbox.url, **fields)


async def archive_campaign(tenant: Tenant) -> factories.Campaign:
    campaign = await factories.campaign(tenant)
    response = await tenant.http.patch(
        f"/v1/campaigns/{campaign['id']}", json={"status": "archived"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    return campaign


async def deliveries(tenant: Tenant, endpoint_id: str, **params: str) -> list[dict[str, Any]]:
    response = await tenant.http.get(
        f"/v1/webhook-endpoints/{endpoint_id}/deliveries", params=params, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def disabled_endpoint(tenant: Tenant, endpoint_id: str) -> dict[str, Any]:
    """The endpoint once the platform has disabled it."""
    found: dict[str, Any] = {}

    async def disabled() -> bool:
        got = await tenant.http.get(f"/v1/webhook-endpoints/{endpoint_id}", headers=tenant.admin)
        found.update(got.json())
        return found["enabled"] is False

    await wait_until(disabled)
    return found


def verified(inbox: Inbox, secret: str) -> list[dict[str, Any]]:
    """Every request, its signature checked by the Standard Webhooks library."""
    return [Webhook(secret).verify(r.body, r.headers) for r in inbox.received]


async def test_an_event_is_delivered_signed(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    inbox = receiver.inbox()
    hook = await endpoint(tenant, inbox, event_types=["campaign.status_changed"])
    await start_worker(fast_settings)
    campaign = await archive_campaign(tenant)

    await wait_until(lambda: inbox.received)
    [payload] = verified(inbox, hook["secret"])
    assert payload["type"] == "campaign.status_changed"
    assert payload["data"]["campaign"]["id"] == campaign["id"]
    assert payload["data"]["campaign"]["status"] == "archived"
    assert payload["data"]["previous_status"] == "draft"
    assert payload["timestamp"].endswith("Z")

    async def recorded() -> bool:
        found = await deliveries(tenant, hook["id"])
        return bool(found) and found[0]["status"] == "succeeded"

    await wait_until(recorded)
    [delivery] = await deliveries(tenant, hook["id"])
    assert inbox.received[0].headers["webhook-id"] == delivery["event_id"]
    assert delivery["attempt_count"] == 1
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["response_body"].startswith("answer 200 ")
    assert len(attempt["response_body"]) == 1024  # the first KiB only
    assert DELIVERIES.labels("succeeded")._value.get() >= 1


async def test_a_receiver_down_then_up_gets_every_event_with_one_webhook_id(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    """REL-4: 500, then a timeout, then 200: delivered, every attempt listed."""
    inbox = receiver.inbox(500, "hang", 503)
    hook = await endpoint(tenant, inbox)
    await start_worker(fast_settings)
    await archive_campaign(tenant)

    async def delivered() -> bool:
        found = await deliveries(tenant, hook["id"])
        return bool(found) and found[0]["status"] == "succeeded"

    await wait_until(delivered, within=20)
    assert len(inbox.received) == 4
    assert len({r.headers["webhook-id"] for r in inbox.received}) == 1
    assert len({r.body for r in inbox.received}) == 1  # the same bytes every time
    assert len(verified(inbox, hook["secret"])) == 4  # each attempt freshly signed
    [delivery] = await deliveries(tenant, hook["id"])
    attempts = delivery["attempts"]
    assert [a["number"] for a in attempts] == [1, 2, 3, 4]
    assert [a["status_code"] for a in attempts] == [500, None, 503, 200]
    assert "timed out" in attempts[1]["error"]
    assert delivery["attempt_count"] == 4
    assert delivery["last_status_code"] == 200
    failed = await deliveries(tenant, hook["id"], status="failed")
    assert failed == []


async def test_exhausted_retries_fail_and_a_retry_by_hand_is_one_more_attempt(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    inbox = receiver.inbox(500, 500, 500, 500, 500)
    hook = await endpoint(tenant, inbox)
    await start_worker(fast_settings)
    await archive_campaign(tenant)

    async def failed() -> bool:
        return bool(await deliveries(tenant, hook["id"], status="failed"))

    await wait_until(failed, within=20)
    [delivery] = await deliveries(tenant, hook["id"])
    assert delivery["attempt_count"] == 4  # 1 + the 3 retries of the schedule
    retry = await tenant.http.post(
        f"/v1/webhook-deliveries/{delivery['id']}/retry", headers=tenant.admin
    )
    assert retry.status_code == 202, retry.text
    assert retry.headers["location"] == f"/v1/webhook-deliveries/{delivery['id']}"
    assert retry.json()["status"] == "pending"

    async def failed_again() -> bool:
        got = await tenant.http.get(retry.headers["location"], headers=tenant.admin)
        return bool(got.json()["status"] == "failed" and got.json()["attempt_count"] == 5)

    await wait_until(failed_again)
    assert len(inbox.received) == 5
    # The receiver is fixed now: the next retry by hand succeeds.
    retry = await tenant.http.post(
        f"/v1/webhook-deliveries/{delivery['id']}/retry", headers=tenant.admin
    )

    async def succeeded() -> bool:
        got = await tenant.http.get(retry.headers["location"], headers=tenant.admin)
        return bool(got.json()["status"] == "succeeded")

    await wait_until(succeeded)


async def test_endpoints_receive_only_their_event_types(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    content_only, everything, disabled = receiver.inbox(), receiver.inbox(), receiver.inbox()
    await endpoint(tenant, content_only, event_types=["content_item.status_changed"])
    all_hook = await endpoint(tenant, everything)
    off = await endpoint(tenant, disabled, enabled=False)
    await start_worker(fast_settings)

    await archive_campaign(tenant)
    item = await factories.content_item(tenant)
    await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"status": "in_review"}, headers=tenant.admin
    )

    await wait_until(lambda: len(everything.received) == 2 and content_only.received)
    types = sorted(p["type"] for p in verified(everything, all_hook["secret"]))
    assert types == ["campaign.status_changed", "content_item.status_changed"]
    assert [json.loads(r.body)["type"] for r in content_only.received] == [
        "content_item.status_changed"
    ]
    assert disabled.received == []
    assert await deliveries(tenant, off["id"]) == []


async def test_events_of_another_workspace_never_reach_an_endpoint(
    make_tenant: TenantFactory,
    receiver: Receiver,
    fast_settings: Settings,
    start_worker: WorkerFactory,
) -> None:
    a, b = await make_tenant("Brand A"), await make_tenant("Brand B")
    inbox_a, inbox_b = receiver.inbox(), receiver.inbox()
    await endpoint(a, inbox_a)
    await endpoint(b, inbox_b)
    await start_worker(fast_settings)
    campaign_b = await archive_campaign(b)
    await wait_until(lambda: inbox_b.received)
    await archive_campaign(a)
    await wait_until(lambda: inbox_a.received)
    assert all(campaign_b["id"].encode() not in r.body for r in inbox_a.received)


async def test_the_test_event_goes_to_that_endpoint_only(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    tested, other = receiver.inbox(), receiver.inbox()
    hook = await endpoint(tenant, tested)
    await endpoint(tenant, other)
    await start_worker(fast_settings)
    response = await tenant.http.post(
        f"/v1/webhook-endpoints/{hook['id']}/test", headers=tenant.admin
    )
    assert response.status_code == 202, response.text
    await wait_until(lambda: tested.received)
    [payload] = verified(tested, hook["secret"])
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == hook["id"]
    assert other.received == []


async def test_rotation_signs_with_both_secrets_during_the_overlap(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    inbox = receiver.inbox()
    hook = await endpoint(tenant, inbox)
    rotated = await tenant.http.post(
        f"/v1/webhook-endpoints/{hook['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=tenant.admin,
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    await start_worker(fast_settings)
    await archive_campaign(tenant)
    await wait_until(lambda: inbox.received)
    assert verified(inbox, hook["secret"]) == verified(inbox, new_secret)

    await tenant.http.post(
        f"/v1/webhook-endpoints/{hook['id']}/rotate-secret",
        json={"overlap_seconds": 0},
        headers=tenant.admin,
    )
    await archive_campaign(tenant)
    await wait_until(lambda: len(inbox.received) == 2)
    assert len(inbox.received[1].headers["webhook-signature"].split(" ")) == 1


async def test_410_gone_disables_the_endpoint_at_once(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    inbox = receiver.inbox(410)
    hook = await endpoint(tenant, inbox)
    await start_worker(fast_settings)
    await archive_campaign(tenant)

    got = await disabled_endpoint(tenant, hook["id"])
    assert "410" in got["disabled_reason"]
    assert got["disabled_at"]
    await archive_campaign(tenant)
    test = await tenant.http.post(f"/v1/webhook-endpoints/{hook['id']}/test", headers=tenant.admin)
    assert test.status_code == 409
    assert len(inbox.received) == 1
    # Re-enabling clears the reason; new events flow again.
    response = await tenant.http.patch(
        f"/v1/webhook-endpoints/{hook['id']}", json={"enabled": True}, headers=tenant.admin
    )
    assert response.json()["disabled_reason"] is None
    await archive_campaign(tenant)
    await wait_until(lambda: len(inbox.received) == 2)


async def test_five_days_of_failures_disable_the_endpoint(
    tenant: Tenant,
    receiver: Receiver,
    fast_settings: Settings,
    start_worker: WorkerFactory,
    resources: Resources,
) -> None:
    inbox = receiver.inbox(500)
    hook = await endpoint(tenant, inbox)
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE webhook_endpoints SET failing_since = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(days=5, minutes=1), "id": hook["id"]},
        )
    await start_worker(fast_settings)
    await archive_campaign(tenant)

    got = await disabled_endpoint(tenant, hook["id"])
    assert "5 days" in got["disabled_reason"]
    [delivery] = await deliveries(tenant, hook["id"])
    assert delivery["status"] == "failed"
    assert delivery["attempt_count"] == 1


async def test_one_slow_receiver_does_not_starve_the_others(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    slow, fast = receiver.inbox(delay=0.8), receiver.inbox()
    await endpoint(tenant, slow)
    await endpoint(tenant, fast)
    settings = fast_settings.model_copy(
        update={"webhook_endpoint_concurrency": 2, "webhook_max_in_flight": 6}
    )
    await start_worker(settings)
    for _ in range(8):
        await archive_campaign(tenant)
    await wait_until(lambda: len(fast.received) == 8)
    assert len(slow.received) <= 4  # two at a time, 0.8 s each
    assert slow.max_in_flight <= 2
    await wait_until(lambda: len(slow.received) == 8, within=15)


async def first_attempt_error(tenant: Tenant, endpoint_id: str) -> str:
    """The error of the endpoint's first delivery attempt, once one was made."""

    async def attempted() -> bool:
        found = await deliveries(tenant, endpoint_id)
        return bool(found and found[0]["attempts"])

    await wait_until(attempted)
    [delivery] = await deliveries(tenant, endpoint_id)
    error: str = delivery["attempts"][0]["error"]
    return error


async def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    """The endpoint was saved while its name was allowed (here: the operator setting);
    at delivery time, with private addresses refused, the connection is never made."""
    host = socket.gethostname()
    try:
        address = socket.getaddrinfo(host, receiver.port)[0][4][0]
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    inbox = receiver.inbox()
    hook = await factories.webhook_endpoint(
        tenant, url=inbox.url.replace("127.0.0.1", host), event_types=["campaign.status_changed"]
    )
    await start_worker(fast_settings.model_copy(update={"webhook_allow_private": False}))
    await archive_campaign(tenant)
    error = await first_attempt_error(tenant, hook["id"])
    assert error.startswith("blocked:")
    assert str(address) in error
    assert inbox.received == []


async def test_a_name_that_does_not_resolve_is_said_in_words_on_one_log_line(
    fake_dns: FakeDNS,  # first: set up before the worker, so undone after it stops
    tenant: Tenant,
    fast_settings: Settings,
    start_worker: WorkerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 18: the attempt read `gaierror(-2, 'Name or service not known')` and logged a
    40-line traceback at error level; now a sentence, and one warning line."""
    hook = await factories.webhook_endpoint(
        tenant, url="https://hooks.example.test/smm", event_types=["campaign.status_changed"]
    )
    try:
        await start_worker(fast_settings.model_copy(update={"webhook_allow_private": False}))
        await archive_campaign(tenant)
        error = await first_attempt_error(tenant, hook["id"])
        assert error.startswith("DNS lookup failed for hooks.example.test"), error
        assert "gaierror" not in error
        failed = [r for r in caplog.records if "webhooks.attempt_failed" in r.getMessage()]
        assert all(r.levelname == "WARNING" and r.exc_info is None for r in failed)
        # The dispatcher also meets other tests' due deliveries: this one's line is ours.
        mine = [r for r in failed if "DNS lookup failed for hooks.example.test" in r.getMessage()]
        assert mine, "no warning line for the failed attempt"
        assert not [r for r in caplog.records if r.levelno >= 40 and "webhooks" in r.getMessage()]
    finally:
        # Its retries would otherwise be sent, later, by another test's worker, resolving
        # the name for real.
        gone = await tenant.http.delete(f"/v1/webhook-endpoints/{hook['id']}", headers=tenant.admin)
        assert gone.status_code == 204, gone.text


async def test_events_written_while_redis_is_down_are_all_delivered(
    tenant: Tenant,
    receiver: Receiver,
    fast_settings: Settings,
    resources: Resources,
    start_worker: WorkerFactory,
    tmp_path: Path,
) -> None:
    """WH-5: the events are in Postgres; the dispatcher needs no Redis, and the worker
    outlives the outage (its crons run again once Redis is back)."""
    redis = EmbeddedRedis(tmp_path / "redis")
    redis_url = redis.start()
    restarted = EmbeddedRedis(tmp_path / "redis", port=redis.port)
    inbox = receiver.inbox()
    hook = await endpoint(tenant, inbox)
    settings = fast_settings.model_copy(update={"redis_url": redis_url})
    worker = await start_worker(settings, crons=("content.release_due",))
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    app = create_app(settings, replace(resources, settings=settings, redis=pool))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        redis.stop()
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            during = replace(tenant, http=http)
            campaigns = [await archive_campaign(during) for _ in range(5)]
        await wait_until(lambda: len(inbox.received) == 5, within=15)
        delivered = {p["data"]["campaign"]["id"] for p in verified(inbox, hook["secret"])}
        assert delivered == {c["id"] for c in campaigns}

        restarted.start()
        # The arq side recovered too: the content.release_due cron hands over a due post.
        account = await factories.social_account(tenant)
        item = await factories.content_item(tenant, account, scheduled_at=factories.in_days(1))
        for status in ("in_review", "approved", "scheduled"):
            await tenant.http.patch(
                f"/v1/content-items/{item['id']}", json={"status": status}, headers=tenant.admin
            )
        async with resources.engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE content_items SET scheduled_at = now() WHERE id = :id"),
                {"id": item["id"]},
            )

        def due_received() -> bool:
            return any(json.loads(r.body)["type"] == "content_item.due" for r in inbox.received)

        await wait_until(due_received, within=15)
    finally:
        await worker.close()  # while its Redis is still there
        await pool.aclose()
        redis.stop()
        restarted.stop()


async def test_a_due_item_is_handed_over_once(
    tenant: Tenant, resources: Resources, fast_settings: Settings
) -> None:
    from services.worker.context import WorkerContext

    account = await factories.social_account(tenant)
    item = await factories.content_item(tenant, account, scheduled_at=factories.in_days(1))
    for status in ("in_review", "approved", "scheduled"):
        await tenant.http.patch(
            f"/v1/content-items/{item['id']}", json={"status": status}, headers=tenant.admin
        )
    later = await factories.content_item(tenant, account, scheduled_at=factories.in_days(1))
    for status in ("in_review", "approved", "scheduled"):
        await tenant.http.patch(
            f"/v1/content-items/{later['id']}", json={"status": status}, headers=tenant.admin
        )
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE content_items SET scheduled_at = now() - interval '1 s' WHERE id = :i"),
            {"i": item["id"]},
        )
    wc = WorkerContext(fast_settings, resources.engine, resources.sessionmaker, resources.redis)
    await release_due_content({"app": wc})
    await release_due_content({"app": wc})  # a second run, or a second worker: no repeat

    got = await tenant.http.get(f"/v1/content-items/{item['id']}", headers=tenant.admin)
    assert got.json()["status"] == "publishing"
    got = await tenant.http.get(f"/v1/content-items/{later['id']}", headers=tenant.admin)
    assert got.json()["status"] == "scheduled"
    changes = ("content_item.due", "content_item.status_changed")
    rows = [
        event
        for event in await outbox_events(resources, tenant.id, *changes)
        if event.data["content_item"]["id"] == item["id"]
    ]
    due = [data for kind, data in rows if kind == "content_item.due"]
    assert len(due) == 1
    assert due[0]["content_item"]["status"] == "publishing"
    assert rows[-2:][0][1]["previous_status"] == "scheduled"


async def test_a_delivery_claimed_by_a_dead_dispatcher_is_sent_after_its_lease(
    tenant: Tenant,
    receiver: Receiver,
    fast_settings: Settings,
    start_worker: WorkerFactory,
    resources: Resources,
) -> None:
    """A worker killed mid-attempt: its lease expires and another sends the delivery."""
    inbox = receiver.inbox()
    hook = await endpoint(tenant, inbox)
    await archive_campaign(tenant)
    async with resources.sessionmaker() as session, session.begin():
        await fan_out(session)
        claimed = await claim(session, room=50, per_endpoint=50, busy={}, lease_seconds=1.0)
    mine = [c for c in claimed if str(c.endpoint_id) == hook["id"]]
    assert len(mine) == 1  # ... and then this "dispatcher" died without a word
    await start_worker(fast_settings)
    await wait_until(lambda: inbox.received)
    assert inbox.received[0].headers["webhook-id"] == str(mine[0].event_id)

    async def recorded() -> bool:  # attempts are recorded in the dispatcher's next round
        [delivery] = await deliveries(tenant, hook["id"])
        return bool(delivery["attempts"])

    await wait_until(recorded)
    [delivery] = await deliveries(tenant, hook["id"])
    assert [a["number"] for a in delivery["attempts"]] == [1]


async def test_deleting_an_endpoint_mid_attempt_does_not_stall_delivery(
    tenant: Tenant, receiver: Receiver, fast_settings: Settings, start_worker: WorkerFactory
) -> None:
    slow, other = receiver.inbox(delay=0.5), receiver.inbox()
    doomed = await endpoint(tenant, slow)
    worker = await start_worker(fast_settings)
    dispatcher, _ = worker.ctx["webhooks"]
    await archive_campaign(tenant)
    await wait_until(lambda: slow.received)  # the attempt is in flight now
    deleted = await tenant.http.delete(
        f"/v1/webhook-endpoints/{doomed['id']}", headers=tenant.admin
    )
    assert deleted.status_code == 204
    # The attempt ends, and its outcome, which has no delivery left, is taken to be recorded.
    await wait_until(lambda: not dispatcher.tasks and not dispatcher.finished)
    await endpoint(tenant, other)
    await archive_campaign(tenant)
    await wait_until(lambda: other.received, within=1.5)
