"""`POST /v1/platform-reports` and `GET /v1/metric-registry` (issue 21): a recorded
platform response down the ING durable path, with hand-checked snapshots, null counters
with their reason, and those reasons in KPI coverage."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant
from tests.helpers.fake_platform import recorded as payload
from tests.helpers.metrics import merged
from tests.helpers.problems import assert_problem


async def post_report(tenant: Tenant, **body: Any) -> Any:
    return await tenant.http.post("/v1/platform-reports", json=body, headers=tenant.admin)


async def post_media(tenant: Tenant, item_id: str, as_of: str, name: str, version: str) -> Any:
    """A recorded Instagram media response, as of a day, for a content item."""
    return await post_report(
        tenant,
        platform="instagram",
        object_type="media",
        api_version=version,
        content_item_id=item_id,
        as_of=as_of,
        payload=payload(name),
    )


#: Lifetime totals of one media on two days: 150 impressions on v21, 180 views on v23.
TWO_DAYS = (
    ("2026-11-20", "instagram_media_v21", "v21.0"),
    ("2026-11-21", "instagram_media_v23", "v23.0"),
)


async def snapshots(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    got = await tenant.http.get("/v1/metric-snapshots", params=params, headers=tenant.admin)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


async def written(resources: Resources, workspace_id: str) -> int:
    async with resources.engine.connect() as conn:
        count = await conn.scalar(
            sa.text("SELECT count(*) FROM ingest_batches WHERE workspace_id = :w"),
            {"w": uuid.UUID(workspace_id)},
        )
    return int(count or 0)


async def test_instagram_v21_impressions_and_v23_views_land_on_one_counter_with_reasons(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    campaign = await factories.campaign(tenant)
    account = await factories.social_account(tenant)
    old = await factories.content_item(tenant, account, campaign_id=campaign["id"])
    new = await factories.content_item(tenant, account, campaign_id=campaign["id"])
    for item, name, version in (
        (old, "instagram_media_v21", "v21.0"),
        (new, "instagram_media_v23", "v23.0"),
    ):
        response = await post_media(tenant, item["id"], "2026-11-20", name, version)
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["report"] == "instagram_media_insights"
        assert accepted["buckets"] == 1
        assert response.headers["location"] == f"/v1/ingest-batches/{accepted['batch']['id']}"
        done = await merged(tenant, resources, settings, accepted["batch"])
        assert done["status"] == "succeeded"

    [v21] = await snapshots(tenant, content_item_id=old["id"])
    [v23] = await snapshots(tenant, content_item_id=new["id"])
    assert (v21["impressions"], v23["impressions"]) == (150, 180)
    for snapshot in (v21, v23):
        assert snapshot["period_start"] == "2026-11-20T08:00:00Z"  # Pacific midnight
        assert (snapshot["reach"], snapshot["likes"], snapshot["saves"]) == (120, 20, 5)
        assert snapshot["engagements"] == 32
        assert snapshot["video_views"] is None
        assert snapshot["unreported"] == {"video_views": "deprecated"}
        assert snapshot["source"].startswith("instagram_media_insights@v2")

    kpis = await tenant.http.get(
        "/v1/kpis",
        params={
            "group_by": "campaign",
            "from": "2026-11-01T00:00:00Z",
            "to": "2026-12-01T00:00:00Z",
        },
        headers=tenant.admin,
    )
    assert kpis.status_code == 200, kpis.text
    [row] = kpis.json()["items"]
    assert row["counters"]["impressions"] == 330
    assert row["coverage"]["video_views"] == 0
    assert row["coverage"]["impressions"] == 1
    assert row["coverage"]["reasons"] == {"video_views": {"deprecated": 1.0}}


async def test_a_lifetime_total_is_stored_as_its_days_increase(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    item = await factories.content_item(tenant)
    for as_of, name, version in TWO_DAYS:
        response = await post_media(tenant, item["id"], as_of, name, version)
        assert response.status_code == 202, response.text
        await merged(tenant, resources, settings, response.json()["batch"])
    first, second = await snapshots(tenant, content_item_id=item["id"])
    assert first["impressions"] == 150
    assert second["impressions"] == 30  # 180 to date, less the 150 before
    assert (second["reach"], second["likes"], second["engagements"]) == (0, 0, 0)


async def test_meta_ads_days_follow_the_ad_accounts_zone(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    campaign = await factories.campaign(tenant, currency="USD")
    response = await post_report(
        tenant,
        platform="facebook",
        object_type="campaign",
        api_version="v23.0",
        campaign_id=campaign["id"],
        timezone="America/Los_Angeles",
        payload=payload("meta_ads_insights_v23"),
    )
    assert response.status_code == 202, response.text
    assert response.json()["ignored_metrics"] == ["inline_link_clicks"]
    await merged(tenant, resources, settings, response.json()["batch"])
    first, second = await snapshots(tenant, campaign_id=campaign["id"])
    assert first["period_start"] == "2025-03-01T08:00:00Z"
    assert (first["impressions"], first["clicks"], first["leads"], first["conversions"]) == (
        1000,
        40,
        5,
        3,
    )
    assert (first["spend"], first["conversion_value"]) == ("25.45", "89.97")
    assert second["period_start"] == "2025-03-02T08:00:00Z"
    assert (second["spend"], second["conversion_value"]) == ("30.25", "69.98")


async def test_a_payload_in_another_currency_is_refused_and_nothing_is_written(
    tenant: Tenant, resources: Resources
) -> None:
    campaign = await factories.campaign(tenant, currency="EUR")
    problem = assert_problem(
        await post_report(
            tenant,
            platform="instagram",
            object_type="campaign",
            api_version="v23.0",
            campaign_id=campaign["id"],
            timezone="America/Los_Angeles",
            payload=payload("meta_ads_insights_v23"),
        ),
        422,
    )
    [error] = problem["errors"]
    assert error["loc"] == ["body", "payload", "data", 0, "account_currency"]
    assert error["type"] == "currency_mismatch"
    assert await written(resources, tenant.id) == 0


async def test_a_broken_payload_is_refused_at_its_place_inside_the_payload(
    tenant: Tenant, resources: Resources
) -> None:
    item = await factories.content_item(tenant)
    body = payload("instagram_media_v23")
    body["data"][2]["values"][0]["value"] = -4
    problem = assert_problem(
        await post_report(
            tenant,
            platform="instagram",
            object_type="media",
            api_version="v23.0",
            content_item_id=item["id"],
            payload=body,
        ),
        422,
    )
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "payload", "data", 2, "values", 0, "value"]
    ]
    assert await written(resources, tenant.id) == 0


async def test_unknown_reports_versions_and_targets_are_refused(
    tenant: Tenant, make_tenant: Any
) -> None:
    item = await factories.content_item(tenant)
    base = {
        "platform": "instagram",
        "object_type": "media",
        "api_version": "v23.0",
        "content_item_id": item["id"],
        "payload": payload("instagram_media_v23"),
    }
    cases = [
        ({"platform": "pinterest"}, ["body", "object_type"], "unknown_report"),
        ({"api_version": "v9.0"}, ["body", "api_version"], "unsupported_version"),
        ({"content_item_id": str(uuid.uuid4())}, ["body", "content_item_id"], "unknown_reference"),
    ]
    other = await make_tenant()
    foreign = await factories.content_item(other)
    cases.append(
        ({"content_item_id": foreign["id"]}, ["body", "content_item_id"], "unknown_reference")
    )
    for change, loc, kind in cases:
        problem = assert_problem(await post_report(tenant, **(base | change)), 422)
        assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)], change
    problem = assert_problem(
        await post_report(tenant, **(base | {"campaign_id": str(uuid.uuid4())})), 422
    )


async def test_the_registry_answers_what_each_platform_reports(tenant: Tenant) -> None:
    got = await tenant.http.get("/v1/metric-registry", headers=await tenant.key("viewer"))
    assert got.status_code == 200, got.text
    reports = {r["key"]: r for r in got.json()["reports"]}
    assert set(reports) >= {
        "instagram_media_insights",
        "instagram_account_insights",
        "facebook_page_insights",
        "facebook_post_insights",
        "meta_ads_insights",
        "linkedin_share_statistics",
        "linkedin_ad_analytics",
        "tiktok_integrated_report",
        "youtube_analytics_report",
    }
    impressions = next(
        m for m in reports["instagram_media_insights"]["metrics"] if m["name"] == "impressions"
    )
    assert impressions == impressions | {
        "counter": "impressions",
        "until": "v21.0",
        "retired_on": "2025-04-21",
        "replaced_by": "views",
    }


async def test_a_total_posted_before_the_previous_days_merge_is_not_counted_twice(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    item = await factories.content_item(tenant)
    batches = []
    for as_of, name, version in TWO_DAYS:
        response = await post_media(tenant, item["id"], as_of, name, version)
        assert response.status_code == 202, response.text
        batches.append(response.json()["batch"])
    for batch in batches:  # merged only now, after both were posted
        await merged(tenant, resources, settings, batch)
    first, second = await snapshots(tenant, content_item_id=item["id"])
    assert (first["impressions"], second["impressions"]) == (150, 30)

    older = await post_media(tenant, item["id"], "2026-11-19", "instagram_media_v21", "v21.0")
    problem = assert_problem(older, 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "as_of"], "lifetime_out_of_order")
    ]


async def test_a_report_whose_platform_fixes_its_days_zone_refuses_another(tenant: Tenant) -> None:
    item = await factories.content_item(tenant)
    problem = assert_problem(
        await post_report(
            tenant,
            platform="instagram",
            object_type="media",
            api_version="v23.0",
            content_item_id=item["id"],
            timezone="Asia/Tokyo",
            payload=payload("instagram_media_v23"),
        ),
        422,
    )
    assert [e["loc"] for e in problem["errors"]] == [["body", "timezone"]]
