"""EVT-1 as ING-2: a batch's type errors and rule errors (ranges, values, contact points,
unknown ids, money finer than the workspace's currency) in one 422, by row; and money by
value."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from services.api.state import Resources
from tests.conftest import Tenant, TenantFactory
from tests.events.test_events import at, event, stored, track
from tests.helpers.problems import assert_problem


def listed(problem: Any) -> list[tuple[int, str, str]]:
    return [(e["loc"][2], e["loc"][3], e["type"]) for e in problem["errors"]]


async def nothing_stored(resources: Resources, tenant: Tenant) -> bool:
    return (
        await stored(resources, tenant, "events")
        == await stored(resources, tenant, "visitors")
        == []
    )


async def test_type_and_rule_errors_come_in_one_answer_by_row(
    tenant: Tenant, resources: Resources
) -> None:
    events = [
        event(),
        event(type="scroll"),  # a type error
        event(type="click", value="10.00"),  # a click carries no value
        event(campaign_id=str(uuid.uuid4())),  # unknown
        event(type="purchase", value="10.001"),  # finer than EUR
        event(consent="yes", email="ok@example.com"),  # a type error after rule errors
        event(occurred_at=at(days=-1), type="visit", value="1"),  # two rule errors
    ]
    problem = assert_problem(await track(tenant, events), 422)
    assert listed(problem) == [
        (1, "type", "enum"),
        (2, "value", "value_not_allowed"),
        (3, "campaign_id", "unknown_reference"),
        (4, "value", "currency_precision"),
        (5, "consent", "bool_type"),
        (6, "occurred_at", "occurred_out_of_range"),
        (6, "value", "value_not_allowed"),
    ]
    assert problem["detail"] == "7 errors in 6 rows"
    assert await nothing_stored(resources, tenant)


async def test_the_list_is_bounded_and_the_detail_counts_every_error(
    tenant: Tenant, resources: Resources
) -> None:
    events = [
        event(type="scroll", consent="yes")  # 2 type errors
        if i % 2 == 0
        else event(type="click", value="1.00")  # 1 rule error
        for i in range(1_200)
    ]
    problem = assert_problem(await track(tenant, events), 422)
    assert problem["detail"] == "1,800 errors in 1,200 rows; the first 1,000 are listed"
    errors = listed(problem)
    assert len(errors) == 1_000
    assert [e[0] for e in errors] == sorted(e[0] for e in errors)
    assert errors[:3] == [
        (0, "consent", "bool_type"),
        (0, "type", "enum"),
        (1, "value", "value_not_allowed"),
    ]
    assert await nothing_stored(resources, tenant)


async def test_a_value_fits_the_workspaces_currency_by_value(
    tenant: Tenant, make_tenant: TenantFactory, resources: Resources
) -> None:
    accepted = await track(tenant, [event(type="purchase", value="89.9000", event_id="p1")])
    assert accepted.status_code == 200, accepted.text
    [purchase] = await stored(resources, tenant, "events")
    assert str(purchase["value"]) == "89.90"

    yen = await make_tenant("Yen brand", currency="JPY")
    refused = await track(yen, [event(type="purchase", value="1500.5"), event()])
    problem = assert_problem(refused, 422)
    assert listed(problem) == [(0, "value", "currency_precision")]
    assert "JPY has no minor unit" in problem["errors"][0]["msg"]
    assert await nothing_stored(resources, yen)
    whole = await track(yen, [event(type="lead", value="1500.000")])
    assert whole.status_code == 200, whole.text
    [lead] = await stored(resources, yen, "events")
    assert lead["value"] == Decimal(1500)

    dinar = await make_tenant("Dinar brand", currency="TND")
    assert (await track(dinar, [event(type="purchase", value="12.345")])).status_code == 200
