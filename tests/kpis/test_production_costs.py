"""Production cost is booked once per content item, at its publication or, for an item
never marked published, at its first reported snapshot; ROI is (value - cost) / cost with
that cost and the spend reported (issue 17)."""

from __future__ import annotations

from typing import Any

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.kpis import kpis, load, rows_by_group
from tests.helpers.metrics import row

NOVEMBER = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
D2, D3, D4 = "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z"


def cost_and_roi(line: dict[str, Any]) -> tuple[Any, Any]:
    return line["counters"]["production_cost"], line["kpis"]["roi"]


async def test_a_campaign_roi_counts_the_cost_of_an_item_published_elsewhere(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram = await factories.social_account(tenant)
    campaign = await factories.campaign(tenant)
    cid = campaign["id"]
    ad = await factories.published_item(
        tenant,
        instagram,
        "2026-11-01T09:00:00Z",
        campaign_id=cid,
        paid=True,
        production_cost="40.00",
    )
    # Posted through another tool: it ran, it was never marked published here.
    story = await factories.content_item(
        tenant, instagram, campaign_id=cid, format="story", production_cost="62.50"
    )
    await load(
        tenant,
        resources,
        settings,
        [
            row(ad, spend="60.00", conversion_value="221.00", impressions=4000),
            row(story, impressions=3000),
        ],
    )
    [line] = (await kpis(tenant, group_by="campaign", **NOVEMBER))["items"]
    # (221 - 60 - 40 - 62.50) / 162.50; booking the published item's cost only gave 1.21.
    assert cost_and_roi(line) == ("102.50", 0.36)
    items = await rows_by_group(tenant, "content_item", **NOVEMBER)
    assert cost_and_roi(items[story["id"]]) == ("62.50", None)  # no conversion value
    assert cost_and_roi(items[ad["id"]]) == ("40.00", 1.21)


async def test_an_organic_item_with_a_cost_and_no_spend_has_a_roi(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    account = await factories.social_account(tenant)
    post = await factories.published_item(tenant, account, D2, production_cost="100.00")
    free = await factories.content_item(tenant, account)  # no cost, no spend: nothing spent
    await load(
        tenant,
        resources,
        settings,
        [
            row(post, impressions=1000, conversion_value="150.00"),
            row(free, impressions=1000, conversion_value="80.00"),
        ],
    )
    items = await rows_by_group(tenant, "content_item", **NOVEMBER)
    assert cost_and_roi(items[post["id"]]) == ("100.00", 0.5)  # (150 - 100) / 100
    assert items[post["id"]]["kpis"]["roas"] is None  # no spend reported
    assert cost_and_roi(items[free["id"]]) == (None, None)  # a cost of 0: no return on it


async def test_an_unpublished_item_books_its_cost_at_its_first_snapshot(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    account = await factories.social_account(tenant)
    campaign = await factories.campaign(tenant)
    fields = {"campaign_id": campaign["id"]}
    running = await factories.content_item(tenant, account, production_cost="30.00", **fields)
    await factories.content_item(tenant, account, production_cost="500.00", **fields)  # idle
    # Batches arrive out of order: a platform backfills an earlier day after a later one.
    for period_start in (D3, D2, D4):
        await load(tenant, resources, settings, [row(running, period_start=period_start)])

    days = await rows_by_group(tenant, "day", **NOVEMBER)
    assert {day: line["counters"]["production_cost"] for day, line in days.items()} == {
        "2026-11-02": "30.00",
        "2026-11-03": None,
        "2026-11-04": None,
    }
    [total] = (await kpis(tenant, **NOVEMBER))["items"]
    assert total["counters"]["production_cost"] == "30.00"  # once; the idle item never ran
    [later] = (await kpis(tenant, **{"from": D3}))["items"]
    assert later["counters"]["production_cost"] is None  # booked on the 2nd, before D3

    [budget] = (await kpis(tenant, "/budget", campaign_id=campaign["id"]))["items"]
    assert budget["organic"] == {"spend": "0.00", "production_cost": "30.00", "total": "30.00"}


async def test_a_cost_is_booked_inside_the_window_by_the_workspace_s_days(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    tenant = await make_tenant(timezone="America/New_York")
    account = await factories.social_account(tenant)
    # 23:59:59 on 1 November in New York, and midnight on the 2nd.
    await factories.published_item(  # late
        tenant, account, "2026-11-02T04:59:59Z", production_cost="1.00"
    )
    early = await factories.published_item(
        tenant, account, "2026-11-02T05:00:00Z", production_cost="2.00"
    )
    # Never marked published: booked with its first snapshot, the UTC day of 3 November.
    ran = await factories.content_item(tenant, account, production_cost="4.00")
    await load(
        tenant,
        resources,
        settings,
        [row(early, period_start=D2, impressions=10), row(ran, period_start=D3, impressions=20)],
    )
    days = await rows_by_group(tenant, "day")
    assert {day: (line["snapshots"], cost_and_roi(line)[0]) for day, line in days.items()} == {
        "2026-11-01": (0, "1.00"),  # a cost booked on a day without snapshots is a row too
        "2026-11-02": (1, "2.00"),
        "2026-11-03": (1, "4.00"),
    }

    async def booked(**window: str) -> Any:
        [total] = (await kpis(tenant, **window))["items"]
        return total["counters"]["production_cost"]

    midnight_2nd, midnight_3rd = "2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z"
    assert await booked(**{"from": midnight_2nd}) == "6.00"
    assert await booked(to=midnight_2nd) == "1.00"
    assert await booked(**{"from": midnight_3rd}) == "4.00"
    assert await booked(to=midnight_3rd) == "3.00"
    assert await booked(**{"from": "2026-11-02T04:59:59Z", "to": midnight_2nd}) == "1.00"
