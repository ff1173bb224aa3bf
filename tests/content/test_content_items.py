from __future__ import annotations

from services.api.state import Resources
from tests import factories
from tests.conftest import Tenant
from tests.helpers.outbox import outbox_events
from tests.helpers.problems import assert_problem


async def move(tenant: Tenant, item_id: str, status: str, **fields: object) -> dict[str, object]:
    response = await tenant.http.patch(
        f"/v1/content-items/{item_id}", json={"status": status, **fields}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_full_workflow_to_published(tenant: Tenant, resources: Resources) -> None:
    campaign = await factories.campaign(tenant)
    item = await factories.content_item(
        tenant,
        campaign_id=campaign["id"],
        paid=True,
        production_cost="1800",
        scheduled_at=factories.in_days(1),
    )
    assert (item["status"], item["platform"], item["production_cost"]) == (
        "draft",
        "instagram",
        "1800.00",
    )
    for status in ("in_review", "approved", "scheduled"):
        await move(tenant, item["id"], status)
    published = await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": "1790001", "published_at": factories.in_days(0)},
        headers=tenant.admin,
    )
    assert published.status_code == 200, published.text
    assert (published.json()["status"], published.json()["external_post_id"]) == (
        "published",
        "1790001",
    )
    again = await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": "1790001", "published_at": factories.in_days(0)},
        headers=tenant.admin,
    )
    assert again.status_code == 200
    history = [
        e.data for e in await outbox_events(resources, tenant.id, "content_item.status_changed")
    ]
    assert [e["content_item"]["status"] for e in history] == [
        "in_review",
        "approved",
        "scheduled",
        "published",
    ]


async def test_rejection_goes_back_to_draft(tenant: Tenant) -> None:
    item = await factories.content_item(tenant)
    await move(tenant, item["id"], "in_review")
    rejected = await move(tenant, item["id"], "rejected", review_note="Logo trop petit")
    assert rejected["review_note"] == "Logo trop petit"
    assert (await move(tenant, item["id"], "draft"))["status"] == "draft"


async def test_forbidden_and_system_transitions_are_409(tenant: Tenant) -> None:
    item = await factories.content_item(tenant, scheduled_at=factories.in_days(1))
    for status in ("approved", "scheduled", "published", "on_hold", "publishing", "archived"):
        response = await tenant.http.patch(
            f"/v1/content-items/{item['id']}", json={"status": status}, headers=tenant.admin
        )
        assert_problem(response, 409)
    early = await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": "1", "published_at": factories.in_days(0)},
        headers=tenant.admin,
    )
    assert_problem(early, 409)


async def test_scheduling_needs_a_future_time(tenant: Tenant) -> None:
    item = await factories.content_item(tenant, scheduled_at=factories.in_days(-1))
    await move(tenant, item["id"], "in_review")
    await move(tenant, item["id"], "approved")
    response = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"status": "scheduled"}, headers=tenant.admin
    )
    assert_problem(response, 409)
    ok = await move(tenant, item["id"], "scheduled", scheduled_at=factories.in_days(2))
    assert ok["status"] == "scheduled"
    past = await tenant.http.patch(
        f"/v1/content-items/{item['id']}",
        json={"scheduled_at": factories.in_days(-2)},
        headers=tenant.admin,
    )
    assert_problem(past, 409)
    unscheduled = await move(tenant, item["id"], "approved")
    assert unscheduled["status"] == "approved"


async def test_editing_approved_creative_needs_new_review(tenant: Tenant) -> None:
    item = await factories.content_item(tenant, scheduled_at=factories.in_days(3))
    for status in ("in_review", "approved", "scheduled"):
        await move(tenant, item["id"], status)
    same = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"paid": True}, headers=tenant.admin
    )
    assert same.json()["status"] == "scheduled"
    edited = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"caption": "New caption"}, headers=tenant.admin
    )
    assert edited.json()["status"] == "in_review"


async def test_published_items_are_frozen(tenant: Tenant) -> None:
    item = await factories.content_item(tenant, scheduled_at=factories.in_days(1))
    for status in ("in_review", "approved", "scheduled"):
        await move(tenant, item["id"], status)
    await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": "9", "published_at": factories.in_days(0)},
        headers=tenant.admin,
    )
    edit = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"caption": "x"}, headers=tenant.admin
    )
    assert_problem(edit, 409)
    delete = await tenant.http.delete(f"/v1/content-items/{item['id']}", headers=tenant.admin)
    assert_problem(delete, 409)
    assert (await move(tenant, item["id"], "archived"))["status"] == "archived"


async def test_references_and_formats_are_checked(tenant: Tenant, make_tenant: object) -> None:
    linkedin = await factories.social_account(tenant, platform="linkedin", external_id="li-1")
    story = await tenant.http.post(
        "/v1/content-items",
        json={"social_account_id": linkedin["id"], "format": "story"},
        headers=tenant.admin,
    )
    body = assert_problem(story, 422)
    assert body["errors"][0]["loc"] == ["body", "format"]
    unknown = await tenant.http.post(
        "/v1/content-items",
        json={"social_account_id": "00000000-0000-4000-8000-000000000000", "format": "post"},
        headers=tenant.admin,
    )
    assert_problem(unknown, 422)
    variant = await tenant.http.post(
        "/v1/content-items",
        json={"social_account_id": linkedin["id"], "format": "post", "variant": "A"},
        headers=tenant.admin,
    )
    assert_problem(variant, 422)
    bad_url = await tenant.http.post(
        "/v1/content-items",
        json={"social_account_id": linkedin["id"], "format": "post", "media_urls": ["not a url"]},
        headers=tenant.admin,
    )
    assert_problem(bad_url, 422)


async def test_editorial_calendar_filters(tenant: Tenant) -> None:
    account = await factories.social_account(tenant)
    tiktok = await factories.social_account(tenant, platform="tiktok", external_id="tt")
    campaign = await factories.campaign(tenant)
    week = await factories.content_item(
        tenant,
        account,
        scheduled_at=factories.in_days(2),
        campaign_id=campaign["id"],
        format="reel",
    )
    later = await factories.content_item(
        tenant, tiktok, scheduled_at=factories.in_days(20), format="short_video"
    )
    await factories.content_item(tenant, account)  # unscheduled idea

    async def ids(**params: str) -> set[str]:
        response = await tenant.http.get("/v1/content-items", params=params, headers=tenant.admin)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    window = {"scheduled_from": factories.in_days(0), "scheduled_to": factories.in_days(7)}
    assert await ids(**window) == {week["id"]}
    assert await ids(scheduled_from=factories.in_days(0)) == {week["id"], later["id"]}
    assert await ids(platform="tiktok") == {later["id"]}
    assert await ids(format="reel") == {week["id"]}
    assert await ids(campaign_id=campaign["id"]) == {week["id"]}
    assert await ids(status="draft", platform="instagram") - {week["id"]} != set()


async def test_social_account_in_use_cannot_be_deleted(tenant: Tenant) -> None:
    account = await factories.social_account(tenant)
    await factories.content_item(tenant, account)
    refused = await tenant.http.delete(f"/v1/social-accounts/{account['id']}", headers=tenant.admin)
    assert_problem(refused, 409)
    duplicate = await tenant.http.post(
        "/v1/social-accounts",
        json={"platform": "instagram", "handle": "@x", "external_id": account["external_id"]},
        headers=tenant.admin,
    )
    assert_problem(duplicate, 409)
    renamed = await tenant.http.patch(
        f"/v1/social-accounts/{account['id']}",
        json={"handle": "@maisonlumiere_fr"},
        headers=tenant.admin,
    )
    assert renamed.json()["handle"] == "@maisonlumiere_fr"
    forbidden = await tenant.http.patch(
        f"/v1/social-accounts/{account['id']}", json={"platform": "x"}, headers=tenant.admin
    )
    assert_problem(forbidden, 422)


async def test_patch_null_rules(tenant: Tenant) -> None:
    item = await factories.content_item(tenant, caption="x", production_cost="10.00")
    url = f"/v1/content-items/{item['id']}"
    for field in ("format", "paid", "media_urls", "status"):
        response = await tenant.http.patch(url, json={field: None}, headers=tenant.admin)
        assert_problem(response, 422)
    cleared = await tenant.http.patch(
        url, json={"caption": None, "production_cost": None}, headers=tenant.admin
    )
    assert (cleared.json()["caption"], cleared.json()["production_cost"]) == (None, None)


async def test_an_edit_cannot_ride_along_with_a_schedule(
    tenant: Tenant, resources: Resources
) -> None:
    item = await factories.content_item(tenant, scheduled_at=factories.in_days(2))
    for status in ("in_review", "approved"):
        await move(tenant, item["id"], status)
    sneaky = await tenant.http.patch(
        f"/v1/content-items/{item['id']}",
        json={"caption": "unreviewed words", "status": "scheduled"},
        headers=tenant.admin,
    )
    assert_problem(sneaky, 409)
    after = (await tenant.http.get(f"/v1/content-items/{item['id']}", headers=tenant.admin)).json()
    assert (after["status"], after["caption"]) == ("approved", "Spring is here")
    edited = await tenant.http.patch(
        f"/v1/content-items/{item['id']}", json={"caption": "Spring!"}, headers=tenant.admin
    )
    assert edited.json()["status"] == "in_review"
    approved = await tenant.http.patch(
        f"/v1/content-items/{item['id']}",
        json={"caption": "Spring is here 🌸", "status": "approved"},
        headers=tenant.admin,
    )
    assert approved.json()["status"] == "approved"
