from __future__ import annotations

from services.api.state import Resources
from tests import factories
from tests.conftest import Tenant
from tests.helpers.outbox import outbox_events
from tests.helpers.problems import assert_problem
from tests.helpers.tables import count


async def patch(tenant: Tenant, campaign_id: str, **fields: object) -> factories.Campaign:
    response = await tenant.http.patch(
        f"/v1/campaigns/{campaign_id}", json=fields, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    body: factories.Campaign = response.json()
    return body


async def test_create_defaults_to_draft_in_workspace_currency(tenant: Tenant) -> None:
    created = await factories.campaign(
        tenant,
        targets={"cpa": "25.5", "roas": "4"},
        utm={"source": "meta", "medium": "paid_social"},
    )
    assert created["status"] == "draft"
    assert created["currency"] == "EUR"
    assert created["targets"]["cpa"] == "25.50"
    assert created["utm"]["medium"] == "paid_social"


async def test_status_machine_happy_path_emits_events(tenant: Tenant, resources: Resources) -> None:
    campaign = await factories.campaign(tenant)
    for target in ("scheduled", "active", "paused", "active", "completed", "archived"):
        assert (await patch(tenant, campaign["id"], status=target))["status"] == target
    changes = [e.data for e in await outbox_events(resources, tenant.id, "campaign.status_changed")]
    assert [(e["previous_status"], e["campaign"]["status"]) for e in changes] == [
        ("draft", "scheduled"),
        ("scheduled", "active"),
        ("active", "paused"),
        ("paused", "active"),
        ("active", "completed"),
        ("completed", "archived"),
    ]


async def test_forbidden_transition_is_409_and_emits_nothing(
    tenant: Tenant, resources: Resources
) -> None:
    campaign = await factories.campaign(tenant)
    response = await tenant.http.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"status": "active", "name": "renamed"},
        headers=tenant.admin,
    )
    body = assert_problem(response, 409)
    assert body["type"] == "/problems/invalid-transition"
    assert "draft" in str(body["detail"])
    fetched = (
        await tenant.http.get(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    ).json()
    assert (fetched["status"], fetched["name"]) == ("draft", campaign["name"])
    assert await outbox_events(resources, tenant.id, "campaign.status_changed") == []


async def test_scheduling_needs_a_start_date(tenant: Tenant) -> None:
    campaign = await factories.campaign(tenant, starts_at=None, ends_at=None)
    response = await tenant.http.patch(
        f"/v1/campaigns/{campaign['id']}", json={"status": "scheduled"}, headers=tenant.admin
    )
    assert_problem(response, 409)


async def test_end_before_start_is_refused(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/v1/campaigns",
        json={
            "name": "x",
            "objective": "sales",
            "starts_at": factories.in_days(5),
            "ends_at": factories.in_days(1),
        },
        headers=tenant.admin,
    )
    assert_problem(response, 422)
    campaign = await factories.campaign(tenant)
    response = await tenant.http.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"ends_at": factories.in_days(1)},
        headers=tenant.admin,
    )
    assert_problem(response, 409)


async def test_stale_if_match_is_412_and_fresh_one_passes(tenant: Tenant) -> None:
    campaign = await factories.campaign(tenant)
    url = f"/v1/campaigns/{campaign['id']}"
    etag = (await tenant.http.get(url, headers=tenant.admin)).headers["etag"]
    first = await tenant.http.patch(
        url, json={"name": "A"}, headers={**tenant.admin, "If-Match": etag}
    )
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    stale = await tenant.http.patch(
        url, json={"name": "B"}, headers={**tenant.admin, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await tenant.http.get(url, headers=tenant.admin)).json()["name"] == "A"
    fresh = await tenant.http.patch(
        url, json={"name": "C"}, headers={**tenant.admin, "If-Match": first.headers["etag"]}
    )
    assert fresh.status_code == 200


async def test_computed_and_tenant_fields_are_not_writable(tenant: Tenant) -> None:
    campaign = await factories.campaign(tenant)
    for field, value in (
        ("id", campaign["id"]),
        ("created_at", factories.in_days(0)),
        ("workspace_id", tenant.id),
        ("version", 7),
    ):
        response = await tenant.http.patch(
            f"/v1/campaigns/{campaign['id']}", json={field: value}, headers=tenant.admin
        )
        assert_problem(response, 422)


async def test_audiences_are_linked_and_checked(tenant: Tenant) -> None:
    audience = await factories.audience(tenant)
    campaign = await factories.campaign(tenant, audience_ids=[audience["id"]])
    assert campaign["audience_ids"] == [audience["id"]]
    unknown = "00000000-0000-4000-8000-000000000000"
    response = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "x", "objective": "sales", "audience_ids": [audience["id"], unknown]},
        headers=tenant.admin,
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "audience_ids", 1]
    deleted = await tenant.http.delete(f"/v1/audiences/{audience['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    after = await tenant.http.get(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    assert after.json()["audience_ids"] == []


async def test_filters(tenant: Tenant) -> None:
    sales = await factories.campaign(
        tenant,
        objective="sales",
        platforms=["instagram"],
        starts_at=factories.in_days(-5),
        ends_at=factories.in_days(5),
    )
    leads = await factories.campaign(
        tenant,
        objective="leads",
        platforms=["linkedin"],
        starts_at=factories.in_days(10),
        ends_at=factories.in_days(20),
    )
    await patch(tenant, leads["id"], status="scheduled")

    async def ids(**params: str) -> list[str]:
        response = await tenant.http.get("/v1/campaigns", params=params, headers=tenant.admin)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await ids(status="scheduled") == [leads["id"]]
    assert await ids(objective="sales") == [sales["id"]]
    assert await ids(platform="linkedin") == [leads["id"]]
    assert await ids(active_on=factories.in_days(0)) == [sales["id"]]
    assert await ids(active_on=factories.in_days(15)) == [leads["id"]]
    response = await tenant.http.get(
        "/v1/campaigns", params={"active_on": "2026-01-01T00:00:00"}, headers=tenant.admin
    )
    assert_problem(response, 422)


async def test_cursor_pagination_is_stable_and_complete(tenant: Tenant) -> None:
    created = [(await factories.campaign(tenant, name=f"C{i}"))["id"] for i in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = (await tenant.http.get("/v1/campaigns", params=params, headers=tenant.admin)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created
    assert_problem(
        await tenant.http.get("/v1/campaigns", params={"cursor": "bogus"}, headers=tenant.admin),
        422,
    )
    assert_problem(
        await tenant.http.get("/v1/campaigns", params={"limit": "201"}, headers=tenant.admin), 422
    )


async def test_only_drafts_and_archives_can_be_deleted(
    tenant: Tenant, resources: Resources
) -> None:
    campaign = await factories.campaign(tenant)
    await patch(tenant, campaign["id"], status="scheduled")
    refused = await tenant.http.delete(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    assert_problem(refused, 409)
    await patch(tenant, campaign["id"], status="archived")
    deleted = await tenant.http.delete(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    assert await count(resources, "campaigns", tenant.id) == 0
    gone = await tenant.http.get(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
    assert_problem(gone, 404)


async def test_null_clears_optional_fields_and_is_refused_for_required_ones(
    tenant: Tenant,
) -> None:
    campaign = await factories.campaign(tenant, targets={"cpa": "20.00"})
    url = f"/v1/campaigns/{campaign['id']}"
    for field in ("name", "objective", "currency", "platforms", "status"):
        response = await tenant.http.patch(url, json={field: None}, headers=tenant.admin)
        assert_problem(response, 422)
    cleared = await patch(tenant, campaign["id"], budget=None, targets=None, ends_at=None)
    assert cleared["budget"] is None
    assert cleared["ends_at"] is None
    assert cleared["targets"]["cpa"] is None
    assert cleared["name"] == campaign["name"]
