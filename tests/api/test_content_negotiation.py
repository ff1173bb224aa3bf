"""Issue 17: `Accept` is honoured. A client asking for CSV where an operation has none, or
for a type no operation speaks, gets a 406 problem instead of JSON with a 200."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant
from tests.helpers.problems import assert_problem


@pytest.mark.parametrize("accept", ["text/csv", "application/xml", "text/csv; charset=utf-8"])
async def test_a_type_the_operation_does_not_offer_is_406(tenant: Tenant, accept: str) -> None:
    response = await tenant.http.get("/v1/campaigns", headers={**tenant.admin, "Accept": accept})
    problem = assert_problem(response, 406)
    assert "application/json only" in problem["detail"]


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "text/csv, application/json;q=0.5", "text/*, */*"]
)
async def test_json_or_anything_gets_json(tenant: Tenant, accept: str | None) -> None:
    headers = dict(tenant.admin) | ({"Accept": accept} if accept else {})
    response = await tenant.http.get("/v1/campaigns", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


async def test_csv_where_the_operation_offers_it(tenant: Tenant) -> None:
    response = await tenant.http.get("/v1/kpis", headers={**tenant.admin, "Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    refused = await tenant.http.get(
        "/v1/kpis", headers={**tenant.admin, "Accept": "application/xml"}
    )
    assert "application/json or text/csv" in assert_problem(refused, 406)["detail"]


async def test_a_refused_write_writes_nothing(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "CSV please", "objective": "sales"},
        headers={**tenant.admin, "Accept": "text/csv"},
    )
    assert_problem(response, 406)
    listed = await tenant.http.get("/v1/campaigns", headers=tenant.admin)
    assert listed.json()["items"] == []
