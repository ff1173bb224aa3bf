"""SEG-1..SEG-5 through the API and the worker's handler, on hand-built visitors."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs.segments import refresh_segment
from shared.config import Settings
from shared.db.base import utcnow
from shared.db.uow import unit_of_work
from shared.segments import service as segments
from shared.segments.jobs import RefreshSegment
from tests.conftest import Tenant, TenantFactory
from tests.helpers.outbox import outbox_events
from tests.helpers.waiting import wait_until
from tests.locks import waiting_on

CART_ABANDONERS = {
    "include": [{"event": "add_to_cart", "within_days": 7}],
    "exclude": [{"event": "purchase", "within_days": 7}],
    "tiers": True,
}


def ev(visitor: str, kind: str, ago: timedelta, **fields: Any) -> dict[str, Any]:
    """An event `ago` before now: read when the test runs, since the refresh that follows
    reads the clock too (a window edge a minute away must stay a minute away)."""
    return {
        "event_id": f"{visitor}-{kind}-{ago.total_seconds()}",
        "visitor_id": visitor,
        "type": kind,
        "occurred_at": (datetime.now(UTC) - ago).isoformat(),
        "channel": "web",
    } | fields


DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)


async def track(tenant: Tenant, events: list[dict[str, Any]]) -> None:
    response = await tenant.http.post("/v1/events", json={"events": events}, headers=tenant.admin)
    assert response.status_code == 200, response.text


async def audience(tenant: Tenant, rule: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"kind": "retargeting", "name": "Cart abandoners", "rule": rule} | fields
    response = await tenant.http.post("/v1/audiences", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def refreshed(
    tenant: Tenant, resources: Resources, settings: Settings, audience_id: str
) -> dict[str, Any]:
    response = await tenant.http.post(f"/v1/audiences/{audience_id}/refresh", headers=tenant.admin)
    assert response.status_code == 202, response.text
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    for _ in range(2):  # a redelivered job changes nothing the second time
        async with unit_of_work(resources.sessionmaker, None) as uow:
            await refresh_segment(
                uow, wc, uuid.UUID(tenant.id), RefreshSegment(refresh_id=response.json()["id"])
            )
    got = await tenant.http.get(response.headers["Location"], headers=tenant.admin)
    result: dict[str, Any] = got.json()
    return result


async def members(tenant: Tenant, audience_id: str, **params: Any) -> dict[str, str | None]:
    response = await tenant.http.get(
        f"/v1/audiences/{audience_id}/members", params=params, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    return {m["visitor_id"]: m["tier"] for m in response.json()["items"]}


async def test_cart_abandoners_are_exactly_the_expected_visitors(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await track(
        tenant,
        [
            ev("a", "add_to_cart", 2 * DAY),
            ev("a", "visit", 3 * DAY),
            ev("b", "add_to_cart", 2 * DAY),  # bought since: excluded
            ev("b", "purchase", DAY),
            ev("c", "add_to_cart", 8 * DAY),  # too old
            ev("d", "add_to_cart", 7 * DAY - MINUTE),  # just inside the window
            *[ev("d", "click", (i + 1) * MINUTE) for i in range(3)],
            ev("e", "add_to_cart", 7 * DAY + MINUTE),  # just outside
            ev("f", "add_to_cart", DAY),
            ev("f", "purchase", 9 * DAY),  # bought before the exclusion window
            *[ev("f", "visit", (i + 1) * DAY / 4) for i in range(7)],
            ev("f", "impression", 30 * DAY),  # outside the longest window: not a touch
        ],
    )
    created = await audience(tenant, CART_ABANDONERS, platforms=["instagram"])
    refresh = await refreshed(tenant, resources, settings, created["id"])
    assert (refresh["status"], refresh["size"], refresh["previous_size"]) == ("succeeded", 3, None)
    # Tiers by touchpoints in 7 days: a 1 visit, d 3 clicks, f 7 visits.
    assert await members(tenant, created["id"]) == {"a": "cold", "d": "warm", "f": "hot"}
    assert await members(tenant, created["id"], tier="hot") == {"f": "hot"}
    page = await tenant.http.get(
        f"/v1/audiences/{created['id']}/members", params={"limit": 2}, headers=tenant.admin
    )
    nxt = await tenant.http.get(
        f"/v1/audiences/{created['id']}/members",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=tenant.admin,
    )
    assert [m["visitor_id"] for m in page.json()["items"] + nxt.json()["items"]] == ["a", "d", "f"]
    read = (await tenant.http.get(f"/v1/audiences/{created['id']}", headers=tenant.admin)).json()
    assert (read["size"], read["tier_counts"]) == (3, {"cold": 1, "warm": 1, "hot": 1})
    # Meta serves no custom audience under 100 matched people.
    assert any("under the 100" in w for w in read["platform_warnings"])

    # a buys: the next refresh drops it, and says by how much the audience changed.
    await track(tenant, [ev("a", "purchase", MINUTE)])
    again = await refreshed(tenant, resources, settings, created["id"])
    assert (again["size"], again["previous_size"]) == (2, 3)
    sent = [e.data for e in await outbox_events(resources, tenant.id, "segment.computed")]
    assert [(s["size"], s["change"]) for s in sent] == [(3, None), (2, -1)]
    assert sent[1]["tier_counts"] == {"cold": 0, "warm": 1, "hot": 1}


async def test_conditions_on_counts_channels_and_campaigns(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await track(
        tenant,
        [
            *[ev("x", "visit", (i + 1) * DAY, channel="email") for i in range(3)],
            *[ev("y", "visit", (i + 1) * DAY, channel="email") for i in range(2)],
            *[ev("z", "visit", (i + 1) * DAY, channel="search") for i in range(5)],
        ],
    )
    rule = {"include": [{"event": "visit", "within_days": 30, "min_count": 3, "channel": "email"}]}
    created = await audience(tenant, rule)
    await refreshed(tenant, resources, settings, created["id"])
    assert await members(tenant, created["id"]) == {"x": None}


async def test_the_export_is_hashed_and_consenting_members_only(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await track(
        tenant,
        [
            ev(
                "a",
                "add_to_cart",
                DAY,
                email=" A@Example.com ",
                phone="+33 6 12 34 56 78",
                consent=True,
            ),
            ev("b", "add_to_cart", DAY, email="b@example.com", consent=False),
            ev("c", "add_to_cart", DAY, email="c@example.com"),  # consent never given
            ev("d", "add_to_cart", DAY, phone="+1 415 555 0100", consent=True),
        ],
    )
    created = await audience(tenant, CART_ABANDONERS)
    await refreshed(tenant, resources, settings, created["id"])
    response = await tenant.http.get(f"/v1/audiences/{created['id']}/export", headers=tenant.admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")

    def sha(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    assert response.text.splitlines() == [
        "email,phone",
        f"{sha('a@example.com')},{sha('33612345678')}",
        f",{sha('14155550100')}",
    ]


async def test_platform_checks(tenant: Tenant) -> None:
    long = {
        "include": [{"event": "visit", "within_days": 200}, {"event": "lead", "within_days": 120}]
    }
    created = await audience(tenant, long, platforms=["facebook", "tiktok"])
    warnings = created["platform_warnings"]
    assert any("visit audiences keep at most 180 days" in w for w in warnings)
    assert any("lead audiences keep at most 90 days" in w for w in warnings)
    linkedin = await audience(tenant, CART_ABANDONERS, platforms=["linkedin"])
    assert linkedin["platform_warnings"] == []  # no size yet, no retention limit known


async def test_schedule_and_refusals(tenant: Tenant, resources: Resources) -> None:
    created = await audience(tenant, CART_ABANDONERS, refresh_every_minutes=5)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        first = await segments.schedule_due(uow, utcnow())
    async with unit_of_work(resources.sessionmaker, None) as uow:
        second = await segments.schedule_due(uow, utcnow())
    assert first >= 1
    async with resources.engine.connect() as conn:
        waiting = await conn.scalar(
            sa.text("SELECT count(*) FROM audience_refreshes WHERE audience_id = :a"),
            {"a": uuid.UUID(created["id"])},
        )
    assert waiting == 1, (first, second)  # one refresh waiting, not one per round
    saved = await tenant.http.post(
        "/v1/audiences",
        json={"kind": "saved", "name": "Paris", "targeting": {"locations": ["FR"]}},
        headers=tenant.admin,
    )
    refused = await tenant.http.post(
        f"/v1/audiences/{saved.json()['id']}/refresh", headers=tenant.admin
    )
    assert refused.status_code == 409


async def test_a_refresh_locks_the_audience_before_its_own_row(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    """Deleting an audience locks it, then (by cascade) its refreshes: a refresh taking
    them the other way round would deadlock with it."""
    created = await audience(tenant, CART_ABANDONERS)
    response = await tenant.http.post(
        f"/v1/audiences/{created['id']}/refresh", headers=tenant.admin
    )
    refresh_id = uuid.UUID(response.json()["id"])
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)

    async def run() -> None:
        async with unit_of_work(resources.sessionmaker, None) as uow:
            await refresh_segment(
                uow, wc, uuid.UUID(tenant.id), RefreshSegment(refresh_id=refresh_id)
            )

    async with resources.engine.connect() as deleting:
        await deleting.execute(
            sa.text("SELECT 1 FROM audiences WHERE workspace_id = :w AND id = :a FOR UPDATE"),
            {"w": uuid.UUID(tenant.id), "a": uuid.UUID(created["id"])},
        )
        job = asyncio.create_task(run())
        await wait_until(lambda: waiting_on(deleting, resources.engine), every=0.02)
        assert not job.done()
        # The refresh row is still free: the deletion's cascade could take it.
        await deleting.execute(
            sa.text(
                "SELECT 1 FROM audience_refreshes"
                " WHERE workspace_id = :w AND id = :r FOR UPDATE NOWAIT"
            ),
            {"w": uuid.UUID(tenant.id), "r": refresh_id},
        )
        await deleting.rollback()
    await job
    got = await tenant.http.get(response.headers["Location"], headers=tenant.admin)
    assert got.json()["status"] == "succeeded"


async def test_a_rule_names_channels_as_events_do(tenant: Tenant) -> None:
    for channel in ("Instagram", "insta\u0000gram", ""):
        rule = {"include": [{"event": "click", "within_days": 7, "channel": channel}]}
        body = {"kind": "retargeting", "name": "Bad", "rule": rule}
        refused = await tenant.http.post("/v1/audiences", json=body, headers=tenant.admin)
        assert refused.status_code == 422, (channel, refused.text)
    listed = await tenant.http.get("/v1/audiences", headers=tenant.admin)
    assert listed.json()["items"] == []


async def test_an_audiences_refreshes_list_its_size_over_time(
    tenant: Tenant, resources: Resources, settings: Settings, make_tenant: TenantFactory
) -> None:
    await track(tenant, [ev("a", "add_to_cart", DAY), ev("b", "add_to_cart", DAY)])
    created = await audience(tenant, CART_ABANDONERS)
    await refreshed(tenant, resources, settings, created["id"])
    await track(tenant, [ev("a", "purchase", MINUTE)])
    await refreshed(tenant, resources, settings, created["id"])
    path = f"/v1/audiences/{created['id']}/refreshes"

    listed = await tenant.http.get(path, headers=tenant.admin)
    assert listed.status_code == 200, listed.text
    sizes = [(r["size"], r["previous_size"], r["status"]) for r in listed.json()["items"]]
    assert sizes == [(1, 2, "succeeded"), (2, None, "succeeded")]  # newest first

    first = await tenant.http.get(path, params={"limit": 1}, headers=tenant.admin)
    rest = await tenant.http.get(
        path, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=tenant.admin
    )
    assert [r["size"] for r in first.json()["items"] + rest.json()["items"]] == [1, 2]

    other = await make_tenant(name="Other")
    assert (await other.http.get(path, headers=other.admin)).status_code == 404
    unknown = f"/v1/audiences/{uuid.uuid4()}/refreshes"
    assert (await tenant.http.get(unknown, headers=tenant.admin)).status_code == 404
