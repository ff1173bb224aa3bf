"""EVT-1 through the API: hashed contact points, consent per visitor, idempotency, and
bad input that writes nothing."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.api.state import Resources
from tests import factories
from tests.conftest import Tenant

_ids = itertools.count(1)


def at(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def event(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{next(_ids)}",
        "visitor_id": "v1",
        "type": "click",
        "occurred_at": at(hours=1),
        "channel": "instagram",
    } | fields


async def track(tenant: Tenant, events: list[dict[str, Any]]) -> httpx.Response:
    return await tenant.http.post("/v1/events", json={"events": events}, headers=tenant.admin)


async def stored(resources: Resources, tenant: Tenant, table: str) -> list[dict[str, Any]]:
    async with resources.engine.connect() as conn:
        rows = await conn.execute(
            sa.text(f"SELECT * FROM {table} WHERE workspace_id = :w"), {"w": uuid.UUID(tenant.id)}
        )
        return [dict(row._mapping) for row in rows]


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def test_contact_points_are_stored_only_as_hashes_of_their_normal_form(
    tenant: Tenant, resources: Resources
) -> None:
    response = await track(
        tenant,
        [
            event(
                type="purchase",
                value="89.90",
                email=" Claire.B@Example.COM ",
                phone="+33 6 12-34-56-78",
                consent=True,
            )
        ],
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "inserted": 1, "duplicates": 0, "visitors": 1}
    (visitor,) = await stored(resources, tenant, "visitors")
    assert visitor["email_sha256"] == sha("claire.b@example.com")
    assert visitor["phone_sha256"] == sha("33612345678")
    (row,) = await stored(resources, tenant, "events")
    assert str(row["value"]) == "89.90"
    everything = str(await stored(resources, tenant, "visitors")) + str(row)
    assert "claire" not in everything.lower()
    assert "33612345678" not in everything


async def test_a_repeated_event_is_ignored(tenant: Tenant, resources: Resources) -> None:
    batch = [event(), event(), event(visitor_id="v2")]
    first = await track(tenant, batch)
    assert first.json()["inserted"] == 3
    again = await track(tenant, [*batch, batch[0]])
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 4)
    assert len(await stored(resources, tenant, "events")) == 3


async def test_an_id_restated_at_another_time_is_a_repeat(
    tenant: Tenant, resources: Resources
) -> None:
    """A tracker's retry may carry another timestamp (milliseconds, its clock): the
    purchase must not count twice."""
    first = event(event_id="order-1", type="purchase", value="40.00")
    later = first | {"occurred_at": at(hours=1, milliseconds=-250)}
    answered = await track(tenant, [first, later])
    assert (answered.json()["inserted"], answered.json()["duplicates"]) == (1, 1)
    again = await track(tenant, [first | {"occurred_at": at(minutes=5)}])
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 1)
    [row] = await stored(resources, tenant, "events")
    assert (
        row["occurred_at"].isoformat() == datetime.fromisoformat(first["occurred_at"]).isoformat()
    )


async def test_an_offset_across_a_month_boundary_lands_in_the_utc_month(
    tenant: Tenant, resources: Resources
) -> None:
    """00:30 on 1 March at +02:00 is 22:30 on 28 February in UTC: its partition is
    February's, made for it even when no other row has needed it yet."""
    response = await track(tenant, [event(occurred_at="2011-03-01T00:30:00+02:00")])
    assert response.status_code == 200, response.text
    [row] = await stored(resources, tenant, "events")
    assert row["occurred_at"] == datetime(2011, 2, 28, 22, 30, tzinfo=UTC)
    async with resources.engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT to_regclass('events_y2011m02') IS NOT NULL"))


async def test_consent_and_contact_follow_the_latest_event_that_states_them(
    tenant: Tenant, resources: Resources
) -> None:
    await track(
        tenant,
        [
            event(consent=True, email="old@example.com", occurred_at=at(hours=5)),
            event(consent=False, email="new@example.com", occurred_at=at(hours=2)),
            event(occurred_at=at(hours=1)),  # states neither
        ],
    )
    # An older event arriving late does not overwrite what a newer one said.
    await track(tenant, [event(consent=True, email="older@example.com", occurred_at=at(hours=9))])
    (visitor,) = await stored(resources, tenant, "visitors")
    assert visitor["consent"] is False
    assert visitor["email_sha256"] == sha("new@example.com")
    assert visitor["first_seen_at"] < visitor["last_seen_at"]
    assert visitor["last_seen_at"] > datetime.now(UTC) - timedelta(hours=1, minutes=1)


async def test_each_contact_point_follows_its_own_latest_statement(
    tenant: Tenant, resources: Resources
) -> None:
    """A phone stated before the latest email is still the latest phone."""
    await track(
        tenant,
        [
            event(email="a@example.com", occurred_at=at(hours=2)),
            event(phone="+33 6 12 34 56 78", occurred_at=at(hours=3)),
        ],
    )
    await track(tenant, [event(phone="+33 6 00 00 00 01", occurred_at=at(hours=4))])  # older
    (visitor,) = await stored(resources, tenant, "visitors")
    assert visitor["email_sha256"] == sha("a@example.com")
    assert visitor["phone_sha256"] == sha("33612345678")


async def test_campaign_and_content_references_must_be_the_workspaces_own(
    tenant: Tenant, make_tenant: Any, resources: Resources
) -> None:
    other = await make_tenant("Other brand")
    foreign = await factories.campaign(other)
    own = await factories.campaign(tenant)
    item = await factories.content_item(tenant, campaign_id=own["id"])
    ok = await track(tenant, [event(campaign_id=own["id"], content_item_id=item["id"])])
    assert ok.status_code == 200, ok.text
    refused = await track(tenant, [event(campaign_id=foreign["id"])])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "events", 0, "campaign_id"]
    assert foreign["id"] not in str(await stored(resources, other, "events"))


@pytest.mark.parametrize(
    "events",
    [
        [event(type="click", value="10.00")],
        [event(email="not-an-email")],
        [event(phone="06 12 34 56 78")],  # no country code
        [event(occurred_at="2026-11-20T10:00:00")],
        [event(occurred_at=at(days=-1))],
        [event(type="scroll")],
        [event(channel="Instagram Ads")],
        [event(value=12.5, type="purchase")],
        [event(consent="yes")],
        [event(utm_source="x")],
        [event(), event(event_id="")],
        [],
    ],
)
async def test_bad_input_writes_nothing(
    tenant: Tenant, resources: Resources, events: list[dict[str, Any]]
) -> None:
    response = await track(tenant, events)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await stored(resources, tenant, "events") == []
    assert await stored(resources, tenant, "visitors") == []


async def test_ten_thousand_and_one_events_are_refused(tenant: Tenant) -> None:
    small = {
        "event_id": "e",
        "visitor_id": "v",
        "type": "click",
        "channel": "x",
        "occurred_at": at(),
    }
    response = await tenant.http.post(
        "/v1/events", json={"events": [small] * 10_001}, headers=tenant.admin
    )
    assert response.status_code in (413, 422)


async def test_viewers_cannot_track(tenant: Tenant) -> None:
    viewer = await tenant.key("viewer")
    response = await tenant.http.post("/v1/events", json={"events": [event()]}, headers=viewer)
    assert response.status_code == 403
