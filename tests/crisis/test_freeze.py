"""CRI-4 step by step, each evaluation run by hand: what the due cron may hand over while
a freeze is open, what clients may do with held items, and a freeze changed mid-alert."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.content import service as content
from shared.crisis.evaluate import evaluate_workspace
from shared.db.base import utcnow
from shared.db.uow import unit_of_work
from tests import factories
from tests.conftest import Tenant
from tests.factories import scheduled_item
from tests.helpers.listening import ingest, item_status, mention, term

#: One negative mention is a crisis: the freeze is one batch away.
TOUCHY = {"min_mentions": 1, "levels": [{"level": "crisis", "negative_share": 0.5}]}


async def evaluate(resources: Resources, tenant: Tenant) -> None:
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await evaluate_workspace(uow, uuid.UUID(tenant.id))


async def make_due(resources: Resources, item: factories.ContentItem) -> None:
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE content_items SET scheduled_at = now() - interval '1 s' WHERE id = :i"),
            {"i": uuid.UUID(item["id"])},
        )


async def test_the_due_cron_never_hands_over_what_a_freeze_reaches(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await term(tenant, "Éclat")
    campaign = await factories.campaign(tenant)
    policy = await tenant.http.post(
        "/v1/escalation-policies",
        json={
            "name": "touchy",
            **TOUCHY,
            "freeze_publishing_at": "crisis",
            "freeze_campaign_ids": [campaign["id"]],
        },
        headers=tenant.admin,
    )
    assert policy.status_code == 201, policy.text
    account = await factories.social_account(tenant)
    inside = await scheduled_item(tenant, account, 1, campaign_id=campaign["id"])
    outside = await scheduled_item(tenant, account, 1)
    await ingest(tenant, resources, settings, [mention("Éclat c'est nul 😡")])
    assert await item_status(tenant, inside) == "on_hold"
    assert await item_status(tenant, outside) == "scheduled"  # another campaign's: no freeze

    # Scheduled after the freeze began and due before the next evaluation: the due cron
    # leaves it alone (the evaluation then holds it).
    late = await scheduled_item(tenant, account, 1)
    await tenant.http.patch(
        f"/v1/content-items/{late['id']}",
        json={"campaign_id": campaign["id"]},
        headers=tenant.admin,
    )
    for status in ("in_review", "approved", "scheduled"):
        await tenant.http.patch(
            f"/v1/content-items/{late['id']}", json={"status": status}, headers=tenant.admin
        )
    await make_due(resources, late)
    await make_due(resources, outside)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        handed = await content.release_due(uow, utcnow())
    assert await item_status(tenant, late) == "scheduled"
    assert await item_status(tenant, outside) == "publishing"
    assert handed >= 1
    await evaluate(resources, tenant)
    assert await item_status(tenant, late) == "on_hold"

    # Clients cannot move a held item; an edit sends it back to review, out of the hold.
    moved = await tenant.http.patch(
        f"/v1/content-items/{inside['id']}", json={"status": "approved"}, headers=tenant.admin
    )
    assert moved.status_code == 409
    assert moved.json()["type"].endswith("crisis-freeze")
    edited = await tenant.http.patch(
        f"/v1/content-items/{late['id']}", json={"caption": "Rewritten"}, headers=tenant.admin
    )
    assert edited.json()["status"] == "in_review"

    # The policy drops its freeze while the alert is open: the next evaluation releases.
    (alert,) = (await tenant.http.get("/v1/alerts", headers=tenant.admin)).json()["items"]
    assert alert["freezing"] is True
    dropped = await tenant.http.patch(
        f"/v1/escalation-policies/{policy.json()['id']}",
        json={"freeze_publishing_at": None},
        headers=tenant.admin,
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["freeze_publishing_at"] is None
    await evaluate(resources, tenant)
    assert await item_status(tenant, inside) == "scheduled"
    assert await item_status(tenant, late) == "in_review"  # not held: left as it is
    got = await tenant.http.get(f"/v1/alerts/{alert['id']}", headers=tenant.admin)
    assert (got.json()["status"], got.json()["freezing"]) == ("open", False)
