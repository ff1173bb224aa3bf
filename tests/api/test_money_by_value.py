"""Issue 17: money is read by value in its currency's ISO 4217 places, not by its form.
"120.0000" is exactly 120.00 euros; dinars of Tunisia, Kuwait or Bahrain have 3 places and
yen none; an amount finer than its currency is a 422 naming the currency's places, and
every answer writes an amount with exactly its currency's places."""

from __future__ import annotations

from typing import Any

import pytest

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers import metrics
from tests.helpers.problems import assert_problem


async def _campaign(tenant: Tenant, **fields: object) -> tuple[int, dict[str, Any]]:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "Printemps", "objective": "conversions", **fields},
        headers=tenant.admin,
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("currency", "sent", "answered"),
    [
        ("EUR", "120.0000", "120.00"),
        ("EUR", "120", "120.00"),
        ("TND", "12.345", "12.345"),
        ("KWD", "12.3450", "12.345"),
        ("BHD", "0.5", "0.500"),
        ("JPY", "1500.00", "1500"),
    ],
)
async def test_an_amount_that_fits_its_currency_is_kept_with_the_currency_s_places(
    tenant: Tenant, currency: str, sent: str, answered: str
) -> None:
    status, created = await _campaign(
        tenant, currency=currency, budget=sent, targets={"cpa": sent, "cpl": sent}
    )
    assert status == 201, created
    assert created["budget"] == answered
    assert (created["targets"]["cpa"], created["targets"]["cpl"]) == (answered, answered)
    read = await tenant.http.get(f"/v1/campaigns/{created['id']}", headers=tenant.admin)
    assert read.json()["budget"] == answered


@pytest.mark.parametrize(
    ("currency", "sent", "places"),
    [("EUR", "12.345", "2 decimal place(s)"), ("JPY", "1500.5", "no minor unit")],
)
async def test_an_amount_finer_than_its_currency_is_refused_naming_its_places(
    tenant: Tenant, currency: str, sent: str, places: str
) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "X", "objective": "conversions", "currency": currency, "budget": sent},
        headers=tenant.admin,
    )
    problem = assert_problem(response, 422)
    [error] = problem["errors"]
    assert error["loc"] == ["body", "budget"]
    assert error["type"] == "currency_precision"
    assert f"{currency} has {places}" in error["msg"]
    listed = await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    assert listed.json()["items"] == []


async def test_a_campaign_changing_currency_keeps_amounts_that_fit_and_refuses_others(
    tenant: Tenant,
) -> None:
    status, created = await _campaign(tenant, currency="TND", budget="12.345")
    assert status == 201
    path = f"/v1/campaigns/{created['id']}"
    response = await tenant.http.patch(path, json={"currency": "EUR"}, headers=tenant.admin)
    [error] = assert_problem(response, 422)["errors"]
    assert (error["loc"], error["type"]) == (["body", "budget"], "currency_precision")
    response = await tenant.http.patch(
        path, json={"currency": "JPY", "budget": "12"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    assert (response.json()["currency"], response.json()["budget"]) == ("JPY", "12")


@pytest.mark.parametrize("code", ["XAU", "ABC", "eur"])
async def test_a_currency_must_be_an_iso_4217_code_with_a_minor_unit(
    make_tenant: TenantFactory, code: str
) -> None:
    tenant = await make_tenant()
    status, body = await _campaign(tenant, currency=code)
    assert status == 422, body


async def test_a_production_cost_is_counted_in_its_campaign_s_currency_or_the_workspace_s(
    tenant: Tenant,
) -> None:
    account = await factories.social_account(tenant)
    _, dinars = await _campaign(tenant, currency="TND")
    item = await factories.content_item(
        tenant, account, campaign_id=dinars["id"], production_cost="12.3450"
    )
    assert item["production_cost"] == "12.345"
    response = await tenant.http.post(
        "/v1/content-items",
        json={
            "social_account_id": account["id"],
            "format": "post",
            "caption": "Lumière",
            "production_cost": "12.345",
        },
        headers=tenant.admin,
    )
    [error] = assert_problem(response, 422)["errors"]
    assert (error["loc"], error["type"]) == (["body", "production_cost"], "currency_precision")
    # Moving the item out of its dinar campaign puts its cost in euros, where it does not fit.
    response = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"campaign_id": None}, headers=tenant.admin
    )
    assert_problem(response, 422)


async def test_a_workspace_s_currency_is_fixed_once_amounts_are_recorded_in_it(
    tenant: Tenant,
) -> None:
    response = await tenant.http.patch(
        "/v1/workspace", json={"currency": "CHF"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    account = await factories.social_account(tenant)
    await factories.content_item(tenant, account, production_cost="80")
    response = await tenant.http.patch(
        "/v1/workspace", json={"currency": "EUR"}, headers=tenant.admin
    )
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("currency-in-use")
    assert "CHF" in problem["detail"]


@pytest.mark.parametrize(
    ("currency", "spend", "cpm", "cpc", "budget_spend"),
    [("JPY", "1234", "1234", "176", "1234"), ("TND", "12.345", "12.345", "1.764", "12.345")],
)
async def test_kpi_amounts_are_written_in_the_workspace_s_currency_places(
    make_tenant: TenantFactory,
    resources: Resources,
    settings: Settings,
    currency: str,
    spend: str,
    cpm: str,
    cpc: str,
    budget_spend: str,
) -> None:
    """Yen KPIs have no decimals and dinar KPIs three, computed ones (CPM, CPC) rounded
    half-to-even to that unit: not "1234.00" yen or "12.35" dinars (issue 17)."""
    tenant = await make_tenant(currency=currency)
    _, campaign = await _campaign(tenant, budget="100000")
    item = await factories.content_item(tenant, campaign_id=campaign["id"])
    batch = await metrics.ingest(
        tenant, [metrics.row(item, impressions=1000, clicks=7, spend=spend)]
    )
    assert batch.status_code == 202, batch.text
    await metrics.merged(tenant, resources, settings, batch.json())
    response = await tenant.http.get(
        "/v1/kpis", params={"group_by": "campaign"}, headers=tenant.admin
    )
    [row] = response.json()["items"]
    assert row["counters"]["spend"] == spend
    assert (row["kpis"]["cpm"], row["kpis"]["cpc"]) == (cpm, cpc)
    response = await tenant.http.get(
        "/v1/kpis/budget", params={"campaign_id": campaign["id"]}, headers=tenant.admin
    )
    [budget] = response.json()["items"]
    assert budget["spend"] == budget_spend
    zero = "0" if currency == "JPY" else "0.000"
    assert {budget["paid"]["spend"], budget["organic"]["spend"]} == {spend, zero}
