"""A workspace seeded so that every report has rows and every column of every CSV answer
a value somewhere: the CSV walk (tests/api/test_csv_walk.py) holds each report to flat,
never-always-empty columns on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs.segments import refresh_segment
from shared.config import Settings
from shared.db.uow import unit_of_work
from shared.segments.jobs import RefreshSegment
from tests import factories
from tests.conftest import Tenant
from tests.helpers import listening
from tests.helpers.metrics import ingest, merged, row


@dataclass(frozen=True)
class Seeded:
    campaign_id: str
    ab_test_group: str
    audience_id: str


def _day(days_ago: int) -> str:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return moment.strftime("%Y-%m-%dT00:00:00Z")


def _counters(**fields: Any) -> dict[str, Any]:
    """Every counter a snapshot may report, so that no KPI column is empty."""
    return {
        "impressions": 10_000,
        "reach": 8_000,
        "engagements": 350,
        "likes": 300,
        "comments": 20,
        "shares": 20,
        "saves": 10,
        "clicks": 120,
        "video_views": 900,
        "leads": 6,
        "conversions": 4,
        "spend": "150.00",
        "conversion_value": "600.00",
    } | fields


async def _snapshots(
    tenant: Tenant, resources: Resources, settings: Settings, rows: list[dict[str, Any]]
) -> None:
    response = await ingest(tenant, rows)
    assert response.status_code == 202, response.text
    done = await merged(tenant, resources, settings, response.json())
    assert done["status"] == "succeeded", done


async def _metrics(tenant: Tenant, resources: Resources, settings: Settings) -> tuple[str, str]:
    instagram = await factories.social_account(tenant)
    facebook = await factories.social_account(
        tenant, platform="facebook", handle="@maison", external_id="fb-1"
    )
    campaign = await factories.campaign(
        tenant,
        name="Lumière d'hiver",
        budget="1500.00",
        starts_at=factories.in_days(-10),
        ends_at=factories.in_days(10),
        targets={"ctr": "0.5", "cpa": "1.00"},  # missed: targets_missed has text
    )
    cid = campaign["id"]
    group = "hero"
    rows = []
    for days, (account, fmt, variant, paid) in enumerate(
        [
            (instagram, "reel", "A", True),
            (instagram, "post", "B", False),
            (facebook, "post", "A", True),
            (instagram, "carousel", "B", True),
        ]
    ):
        item = await factories.published_item(
            tenant,
            account,
            factories.in_days(-(days + 2)),
            campaign_id=cid,
            format=fmt,
            title=f"Lumière {fmt} {variant}",
            paid=paid,
            production_cost="40.00",
            ab_test_group=group,
            variant=variant,
        )
        clicks = 120 + 40 * days
        rows.append(
            row(item, **_counters(clicks=clicks, conversions=days + 1), period_start=_day(3))
        )
    await _snapshots(tenant, resources, settings, rows)
    return cid, group


async def _mentions(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    await listening.term(tenant, "Lumière")
    await listening.term(tenant, "Éclat", kind="competitor")
    await listening.ingest(
        tenant,
        resources,
        settings,
        [
            listening.mention(
                "Lumière, colis perdu ?! #sav #colis",
                sentiment=-0.8,
                url="https://x.com/a/status/1",
                posted_at=listening.ago(hours=3),
            ),
            listening.mention(
                "Lumière ou Éclat ? #parfum",
                sentiment=0.6,
                url="https://x.com/a/status/2",
                posted_at=listening.ago(hours=2),
            ),
        ],
    )
    for item in await listening.mentions(tenant):
        url = f"/v1/mentions/{item['id']}"
        for change in ({"assignee": "claire"}, {"status": "responded"}):
            answered = await tenant.http.patch(url, json=change, headers=tenant.admin)
            assert answered.status_code == 200, answered.text


async def _audience(tenant: Tenant, resources: Resources, settings: Settings) -> str:
    """A retargeting audience with one consenting member who left an email and a phone."""
    event = {
        "event_id": "a-cart",
        "visitor_id": "a",
        "type": "add_to_cart",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "channel": "web",
        "email": "a@example.com",
        "phone": "+33 6 12 34 56 78",
        "consent": True,
    }
    tracked = await tenant.http.post("/v1/events", json={"events": [event]}, headers=tenant.admin)
    assert tracked.status_code == 200, tracked.text
    rule = {"include": [{"event": "add_to_cart", "within_days": 7}]}
    body = {"kind": "retargeting", "name": "Cart abandoners", "rule": rule}
    created = await tenant.http.post("/v1/audiences", json=body, headers=tenant.admin)
    assert created.status_code == 201, created.text
    audience_id = created.json()["id"]
    refresh = await tenant.http.post(f"/v1/audiences/{audience_id}/refresh", headers=tenant.admin)
    assert refresh.status_code == 202, refresh.text
    context = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = RefreshSegment(refresh_id=refresh.json()["id"])
        await refresh_segment(uow, context, uuid.UUID(tenant.id), job)
    return str(audience_id)


async def seed(tenant: Tenant, resources: Resources, settings: Settings) -> Seeded:
    cid, group = await _metrics(tenant, resources, settings)
    await _mentions(tenant, resources, settings)
    audience_id = await _audience(tenant, resources, settings)
    return Seeded(campaign_id=cid, ab_test_group=group, audience_id=audience_id)
