"""What migration 0022 changed in behaviour (issue 22): the services now do what ON DELETE
SET NULL and the outbox trigger did, the crons take due rows per workspace, and a job
queued before the workspace rode along still runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.content.models import ContentItem
from shared.crisis.models import Alert, AlertStatus
from shared.db.base import utcnow
from shared.db.due import lock_due
from shared.db.uow import unit_of_work
from shared.outbox.wake import CHANNEL
from shared.webhooks.events import WebhookTest
from tests import factories
from tests.conftest import Tenant, TenantFactory


async def test_deleting_a_campaign_keeps_its_items_out_of_any_campaign(tenant: Tenant) -> None:
    campaign = await factories.campaign(tenant)
    account = await factories.social_account(tenant)
    item = await factories.content_item(tenant, account, campaign_id=campaign["id"])
    other = await factories.content_item(tenant, account)
    url = f"/v1/content-items/{item['id']}"
    before = (await tenant.http.get(url, headers=tenant.admin)).headers["etag"]
    deleted = await tenant.http.delete(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    assert deleted.status_code == 204, deleted.text
    kept = await tenant.http.get(url, headers=tenant.admin)
    assert kept.status_code == 200
    assert kept.json()["campaign_id"] is None
    # Its representation changed, so its ETag did: an edit made against the old one fails.
    assert kept.headers["etag"] != before
    stale = await tenant.http.patch(
        url, json={"caption": "Late edit"}, headers={**tenant.admin, "If-Match": before}
    )
    assert stale.status_code == 412, stale.text
    untouched = await tenant.http.get(f"/v1/content-items/{other['id']}", headers=tenant.admin)
    assert untouched.json()["campaign_id"] is None


async def test_deleting_a_policy_keeps_its_past_alerts_with_its_name(
    tenant: Tenant, resources: Resources
) -> None:
    created = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "Éclat watch"}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    policy = created.json()
    now = utcnow()
    alert_id = uuid.uuid4()
    async with unit_of_work(resources.sessionmaker, None) as uow:
        uow.session.add(
            Alert(
                id=alert_id,
                workspace_id=uuid.UUID(tenant.id),
                policy_id=uuid.UUID(policy["id"]),
                policy_name=policy["name"],
                level="alert",
                status=AlertStatus.resolved,
                opened_at=now - timedelta(hours=2),
                last_held_at=now - timedelta(hours=1),
                resolved_at=now,
                resolved_by="cooldown",
                metrics={},
                escalations=[],
                sample_mention_ids=[],
                explanation={},
                playbook=[],
                version=1,
            )
        )
    deleted = await tenant.http.delete(
        f"/v1/escalation-policies/{policy['id']}", headers=tenant.admin
    )
    assert deleted.status_code == 204, deleted.text
    async with resources.sessionmaker() as session:
        alert = await session.get_one(Alert, {"id": alert_id, "workspace_id": uuid.UUID(tenant.id)})
    assert (alert.policy_id, alert.policy_name, alert.version) == (None, "Éclat watch", 2)


async def test_events_ring_the_dispatchers_at_commit_and_never_on_rollback(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(settings.libpq_url)
    try:
        await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[2]))
        event = WebhookTest(endpoint_id=uuid.uuid4(), message="ping")
        try:
            async with unit_of_work(resources.sessionmaker, None) as uow:
                uow.emit(uuid.UUID(tenant.id), event)
                await uow.session.flush()
                raise LookupError("rolled back")
        except LookupError:
            pass
        await asyncio.sleep(0.3)
        assert heard.empty(), "a rolled-back event rang"
        async with unit_of_work(resources.sessionmaker, None) as uow:
            uow.emit(uuid.UUID(tenant.id), event)
            await uow.session.flush()
            await asyncio.sleep(0.3)
            assert heard.empty(), "rang before COMMIT"
        assert await asyncio.wait_for(heard.get(), 5) == CHANNEL
    finally:
        await listener.close()


async def test_due_rows_are_taken_once_across_workspaces_and_concurrent_takers(
    make_tenant: TenantFactory, resources: Resources
) -> None:
    tenants = [await make_tenant(f"Maison {n}") for n in range(3)]
    ids = set()
    for tenant in tenants:
        account = await factories.social_account(tenant)
        for _ in range(2):
            ids.add(uuid.UUID((await factories.content_item(tenant, account))["id"]))
    mine = ContentItem.id.in_(ids)

    async def take() -> set[uuid.UUID]:
        async with resources.sessionmaker() as session, session.begin():
            rows = await lock_due(
                session, ContentItem, lambda _: mine, order_by=ContentItem.created_at, limit=10
            )
            await asyncio.sleep(0.5)  # hold the locks while the other takes
            return {row.id for row in rows}

    first, second = await asyncio.gather(take(), take())
    assert first | second == ids
    assert first & second == set()
    async with resources.sessionmaker() as session:
        oldest = await lock_due(
            session, ContentItem, lambda _: mine, order_by=ContentItem.created_at, limit=4
        )
        assert len(oldest) == 4
        assert {row.workspace_id for row in oldest} <= {uuid.UUID(t.id) for t in tenants}
        newest_two = set(
            await session.scalars(
                sa.select(ContentItem.id).where(mine).order_by(ContentItem.created_at).offset(4)
            )
        )
        assert {row.id for row in oldest}.isdisjoint(newest_two)
