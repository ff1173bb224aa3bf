"""The demo seed behind `make run`: once, realistic, and its key always opens it."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from shared import demo
from shared.db.base import utcnow
from shared.db.uow import unit_of_work


async def test_demo_is_seeded_once_and_its_key_works(
    resources: Resources, client: httpx.AsyncClient
) -> None:
    async with unit_of_work(resources.sessionmaker, None) as uow:
        key = await demo.ensure(uow, utcnow(), None)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        assert await demo.ensure(uow, utcnow(), key) == key
    async with unit_of_work(resources.sessionmaker, None) as uow:
        replaced = await demo.ensure(uow, utcnow(), "smm_a-key-from-another-database")
    assert replaced != key
    async with resources.engine.connect() as conn:
        count = await conn.scalar(
            sa.text("SELECT count(*) FROM workspaces WHERE name = :n"), {"n": demo.DEMO_NAME}
        )
    assert count == 1

    headers = {"Authorization": f"Bearer {replaced}"}
    campaigns = (await client.get("/v1/campaigns", headers=headers)).json()["items"]
    assert {c["objective"] for c in campaigns} == {"sales", "leads"}
    assert {c["status"] for c in campaigns} == {"active", "scheduled"}
    items = (await client.get("/v1/content-items", params={"limit": 200}, headers=headers)).json()[
        "items"
    ]
    assert {i["status"] for i in items} >= {"published", "scheduled", "in_review", "draft"}
    assert len({i["platform"] for i in items}) == 5
    assert all(i["published_at"] for i in items if i["status"] == "published")
    audiences = (await client.get("/v1/audiences", headers=headers)).json()["items"]
    assert {a["kind"] for a in audiences} == {"saved", "retargeting", "lookalike"}
    mentions = (await client.get("/v1/mentions", headers=headers)).json()["items"]
    assert len(mentions) == 50  # a full first page
    assert all(m["sentiment_label"] for m in mentions)
    voice = (await client.get("/v1/kpis/share-of-voice", headers=headers)).json()
    assert voice["brand"]["mentions"] > voice["competitors"]["mentions"] > 0
