from __future__ import annotations

from tests import factories
from tests.conftest import Tenant
from tests.helpers.problems import assert_problem

CART_ABANDONERS = {
    "include": [{"event": "add_to_cart", "within_days": 7}],
    "exclude": [{"event": "purchase", "within_days": 7}],
    "tiers": True,
}


async def test_three_kinds_round_trip(tenant: Tenant) -> None:
    saved = await factories.audience(
        tenant,
        targeting={
            "age_min": 25,
            "age_max": 44,
            "genders": ["female"],
            "locations": ["FR", {"lat": 48.8566, "lon": 2.3522, "radius_km": 25}],
            "languages": ["fr"],
            "interests": ["home decor"],
        },
    )
    assert saved["targeting"]["locations"][1]["radius_km"] == 25
    retargeting = (
        await tenant.http.post(
            "/v1/audiences",
            json={"kind": "retargeting", "name": "Cart abandoners", "rule": CART_ABANDONERS},
            headers=tenant.admin,
        )
    ).json()
    assert retargeting["rule"]["exclude"][0]["event"] == "purchase"
    assert retargeting["refresh_every_minutes"] == 60
    assert retargeting["size"] is None
    lookalike = await tenant.http.post(
        "/v1/audiences",
        json={
            "kind": "lookalike",
            "name": "LAL 1%",
            "source_audience_id": retargeting["id"],
            "country": "FR",
            "ratio": "0.01",
        },
        headers=tenant.admin,
    )
    assert lookalike.status_code == 201, lookalike.text
    assert lookalike.json()["ratio"] == "0.01"
    listed = await tenant.http.get(
        "/v1/audiences", params={"kind": "lookalike"}, headers=tenant.admin
    )
    assert [a["id"] for a in listed.json()["items"]] == [lookalike.json()["id"]]


async def test_invalid_definitions_are_422(tenant: Tenant) -> None:
    source = await factories.audience(tenant)
    bad = [
        {"kind": "saved", "name": "x", "targeting": {"age_min": 40, "age_max": 30}},
        {"kind": "saved", "name": "x", "targeting": {"locations": ["France"]}},
        {"kind": "retargeting", "name": "x", "rule": {"include": []}},
        {
            "kind": "retargeting",
            "name": "x",
            "rule": {"include": [{"event": "sale", "within_days": 7}]},
        },
        {
            "kind": "lookalike",
            "name": "x",
            "source_audience_id": source["id"],
            "country": "FR",
            "ratio": "0.2",
        },
        {
            "kind": "lookalike",
            "name": "x",
            "source_audience_id": source["id"],
            "country": "FR",
            "ratio": 0.05,
        },
        {"kind": "sponsored", "name": "x"},
        {"kind": "saved", "name": "x", "targeting": {}, "size": 1000},
    ]
    for body in bad:
        assert_problem(
            await tenant.http.post("/v1/audiences", json=body, headers=tenant.admin), 422
        )


async def test_lookalike_source_rules(tenant: Tenant) -> None:
    source = await factories.audience(tenant)
    lal = (
        await tenant.http.post(
            "/v1/audiences",
            json={
                "kind": "lookalike",
                "name": "LAL",
                "source_audience_id": source["id"],
                "country": "FR",
                "ratio": "0.05",
            },
            headers=tenant.admin,
        )
    ).json()
    chained = await tenant.http.post(
        "/v1/audiences",
        json={
            "kind": "lookalike",
            "name": "LAL2",
            "source_audience_id": lal["id"],
            "country": "FR",
            "ratio": "0.05",
        },
        headers=tenant.admin,
    )
    assert_problem(chained, 422)
    in_use = await tenant.http.delete(f"/v1/audiences/{source['id']}", headers=tenant.admin)
    assert_problem(in_use, 409)


async def test_rule_campaign_must_be_in_workspace(tenant: Tenant) -> None:
    campaign = await factories.campaign(tenant)
    rule = {
        "include": [
            {"event": "click", "within_days": 30, "campaign_id": campaign["id"]},
            {
                "event": "visit",
                "within_days": 30,
                "campaign_id": "00000000-0000-4000-8000-000000000000",
            },
        ]
    }
    response = await tenant.http.post(
        "/v1/audiences",
        json={"kind": "retargeting", "name": "x", "rule": rule},
        headers=tenant.admin,
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "rule", "include", 1, "campaign_id"]


async def test_patch_accepts_only_the_kinds_fields(tenant: Tenant) -> None:
    saved = await factories.audience(tenant)
    wrong = await tenant.http.patch(
        f"/v1/audiences/{saved['id']}", json={"rule": CART_ABANDONERS}, headers=tenant.admin
    )
    assert_problem(wrong, 422)
    ok = await tenant.http.patch(
        f"/v1/audiences/{saved['id']}",
        json={"name": "Paris 25-44", "targeting": {"age_min": 25, "age_max": 44}},
        headers=tenant.admin,
    )
    assert ok.status_code == 200
    assert (ok.json()["name"], ok.json()["targeting"]["age_max"]) == ("Paris 25-44", 44)
