"""F4 (issue 15): a timestamp whose UTC time falls outside the calendar is a 422 naming
the field, in a query parameter and in a body, never an OverflowError and a 500."""

from __future__ import annotations

import pytest

from services.api.state import Resources
from tests.conftest import Tenant
from tests.helpers.problems import assert_problem
from tests.helpers.tables import count

EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("edge", EDGES)
async def test_a_query_timestamp_past_the_calendar_is_a_422(tenant: Tenant, edge: str) -> None:
    response = await tenant.http.get(
        "/v1/metric-snapshots", params={"from": edge}, headers=tenant.admin
    )
    body = assert_problem(response, 422)
    assert "from" in str(body), body
    response = await tenant.http.get(
        "/v1/campaigns", params={"active_on": edge}, headers=tenant.admin
    )
    assert_problem(response, 422)


@pytest.mark.parametrize("edge", EDGES)
async def test_a_body_timestamp_past_the_calendar_is_a_422_and_writes_nothing(
    tenant: Tenant, resources: Resources, edge: str
) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "Edge", "objective": "sales", "starts_at": edge},
        headers=tenant.admin,
    )
    body = assert_problem(response, 422)
    assert "starts_at" in str(body), body
    assert await count(resources, "campaigns", tenant.id) == 0
