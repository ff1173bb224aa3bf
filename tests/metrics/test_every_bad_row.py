"""ING-2 through the API: a batch's type errors and rule errors (alignment, unknown ids,
exactly one target, money finer than its currency) in one 422, by row; and money by value."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.metrics import DAY, ingest, merged, row
from tests.helpers.problems import assert_problem
from tests.metrics.test_ingestion import snapshots, stored


@pytest.fixture
async def item(tenant: Tenant) -> factories.ContentItem:
    campaign = await factories.campaign(tenant)
    return await factories.content_item(tenant, campaign_id=campaign["id"])


def listed(problem: Any) -> list[tuple[int, str, str]]:
    return [(e["loc"][2], e["loc"][3], e["type"]) for e in problem["errors"]]


async def test_type_and_rule_errors_come_in_one_answer_by_row(
    tenant: Tenant, item: dict[str, Any], resources: Resources
) -> None:
    rows = [
        row(item, impressions=1),
        row(item, period_start="2026-11-02T05:00:00Z"),  # not a day's start
        row(item) | {"content_item_id": str(uuid.uuid4())},  # unknown
        row(item, impressions=-1, likes="3"),  # two type errors
        row(item) | {"campaign_id": item["campaign_id"]},  # two targets
        row(item, spend="12.345"),  # finer than the campaign's EUR
        row(item, clicks=2.5),  # a type error after rule errors
    ]
    problem = assert_problem(await ingest(tenant, rows), 422)
    assert listed(problem) == [
        (1, "period_start", "unaligned_period"),
        (2, "content_item_id", "unknown_reference"),
        (3, "impressions", "json_int"),
        (3, "likes", "json_int"),
        (4, "content_item_id", "one_target"),
        (5, "spend", "currency_precision"),
        (6, "clicks", "json_int"),
    ]
    assert problem["detail"] == "7 errors in 6 rows"
    assert await stored(resources, tenant.id) == (0, 0, 0)


async def test_the_list_is_bounded_and_the_detail_counts_every_error(
    tenant: Tenant, item: dict[str, Any], resources: Resources
) -> None:
    rows = [
        row(item, impressions=-1, reach=-1)  # 2 type errors
        if i % 2 == 0
        else row(item, period_start="2026-11-02T00:30:00Z")  # 1 rule error
        for i in range(1_200)
    ]
    problem = assert_problem(await ingest(tenant, rows), 422)
    assert problem["detail"] == "1,800 errors in 1,200 rows; the first 1,000 are listed"
    errors = listed(problem)
    assert len(errors) == 1_000
    assert errors == sorted(errors)
    assert errors[:3] == [
        (0, "impressions", "json_int"),
        (0, "reach", "json_int"),
        (1, "period_start", "unaligned_period"),
    ]
    assert await stored(resources, tenant.id) == (0, 0, 0)


async def test_money_fits_its_targets_currency_by_value(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    """A campaign's rows are in its currency, its items' rows too; an item in no campaign
    is in the workspace's."""
    tenant = await make_tenant(currency="JPY")
    campaign = await factories.campaign(tenant, currency="EUR")
    account = await factories.social_account(tenant)
    in_campaign = await factories.content_item(tenant, account, campaign_id=campaign["id"])
    alone = await factories.content_item(tenant, account)
    too_precise = [
        row(campaign, spend="120.005"),
        row(in_campaign, conversion_value="0.001"),
        row(alone, spend="1500.5"),
        row(alone, spend="1500.000", conversion_value="1500"),  # whole yen
    ]
    problem = assert_problem(await ingest(tenant, too_precise), 422)
    assert listed(problem) == [
        (0, "spend", "currency_precision"),
        (1, "conversion_value", "currency_precision"),
        (2, "spend", "currency_precision"),
    ]
    messages = [e["msg"] for e in problem["errors"]]
    assert "EUR has 2 decimal place(s)" in messages[0]
    assert "JPY has no minor unit" in messages[2]
    assert await stored(resources, tenant.id) == (0, 0, 0)

    fine = [
        row(campaign, spend="120.0000", conversion_value="7"),
        row(in_campaign, spend="0.50"),
        row(alone, spend="1500.000"),
    ]
    accepted = await ingest(tenant, fine)
    assert accepted.status_code == 202, accepted.text
    await merged(tenant, resources, settings, accepted.json())
    got = {s["content_item_id"] or s["campaign_id"]: s for s in await snapshots(tenant)}
    assert (got[campaign["id"]]["spend"], got[campaign["id"]]["conversion_value"]) == (
        "120.00",
        "7.00",
    )
    assert got[in_campaign["id"]]["spend"] == "0.50"


async def test_an_amount_fits_a_three_place_currency(make_tenant: TenantFactory) -> None:
    tenant = await make_tenant(currency="TND")
    alone = await factories.content_item(tenant)
    refused = await ingest(tenant, [row(alone, spend="12.3456")])
    assert listed(assert_problem(refused, 422)) == [(0, "spend", "currency_precision")]
    accepted = await ingest(tenant, [row(alone, spend="12.345", period_start=DAY)])
    assert accepted.status_code == 202, accepted.text
