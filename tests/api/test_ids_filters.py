"""Issue 17: lists whose objects other objects name take `ids=`, so a client holding the
ids an alert, a campaign or a policy names reads them in one call, not one per id."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest

from tests import factories
from tests.conftest import Tenant
from tests.helpers.listening import mention, mentions, post
from tests.helpers.problems import assert_problem

Make = Callable[[Tenant, int], Awaitable[str]]


async def _campaign(tenant: Tenant, n: int) -> str:
    return (await factories.campaign(tenant, name=f"C{n}"))["id"]


async def _account(tenant: Tenant, n: int) -> str:
    return (await factories.social_account(tenant, external_id=f"acct-{n}"))["id"]


async def _item(tenant: Tenant, n: int) -> str:
    account = await factories.social_account(tenant, external_id=f"item-{n}")
    return (await factories.content_item(tenant, account))["id"]


async def _audience(tenant: Tenant, n: int) -> str:
    return (await factories.audience(tenant, name=f"A{n}"))["id"]


async def _post(tenant: Tenant, path: str, body: dict[str, object]) -> str:
    response = await tenant.http.post(path, json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _term(tenant: Tenant, n: int) -> str:
    return await _post(tenant, "/v1/tracked-terms", {"term": f"brand{n}", "kind": "brand"})


async def _policy(tenant: Tenant, n: int) -> str:
    return await _post(tenant, "/v1/escalation-policies", {"name": f"P{n}"})


async def _mention(tenant: Tenant, n: int) -> str:
    row = mention(f"mention number {n}")
    sent = await post(tenant, [row])
    assert sent.status_code == 202, sent.text
    listed = await mentions(tenant, limit=200)
    (found,) = [m for m in listed if m["external_id"] == row["external_id"]]
    return str(found["id"])


LISTS: list[tuple[str, Make]] = [
    ("/v1/campaigns", _campaign),
    ("/v1/social-accounts", _account),
    ("/v1/content-items", _item),
    ("/v1/audiences", _audience),
    ("/v1/tracked-terms", _term),
    ("/v1/escalation-policies", _policy),
    ("/v1/mentions", _mention),  # an alert's sample_mention_ids
]


@pytest.mark.parametrize(("path", "make"), LISTS, ids=[path for path, _ in LISTS])
async def test_ids_keeps_just_those_and_leaves_unknown_ids_out(
    tenant: Tenant, make_tenant: Callable[[], Awaitable[Tenant]], path: str, make: Make
) -> None:
    made = [await make(tenant, n) for n in range(3)]
    other = await make_tenant()
    foreign = await make(other, 9)
    wanted = [made[0], made[2], str(uuid.uuid4()), foreign]
    response = await tenant.http.get(path, params={"ids": wanted}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    assert sorted(item["id"] for item in response.json()["items"]) == sorted([made[0], made[2]])
    everything = await tenant.http.get(path, headers=tenant.admin)
    assert len(everything.json()["items"]) >= 3


async def test_more_than_100_ids_is_a_422(tenant: Tenant) -> None:
    ids = [str(uuid.uuid4()) for _ in range(101)]
    response = await tenant.http.get("/v1/campaigns", params={"ids": ids}, headers=tenant.admin)
    problem = assert_problem(response, 422)
    assert "ids" in str(problem["errors"])
