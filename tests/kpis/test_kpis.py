"""KPI endpoints (docs/contract.md, Analytics) against numbers computed by hand: coverage,
ratios over the snapshots reporting both counters, null for missing denominators, filters,
targets, the funnel, the content matrix, best times across time zones, budget and A/B
tests."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.db.uow import unit_of_work
from shared.kpis import rollups
from tests import factories
from tests.conftest import Tenant
from tests.helpers.metrics import ingest, merged, row
from tests.helpers.outbox import outbox_events
from tests.helpers.problems import assert_problem

D1, D2 = "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"
NOVEMBER = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}


async def load(
    tenant: Tenant, resources: Resources, settings: Settings, rows: list[dict[str, Any]]
) -> None:
    response = await ingest(tenant, rows)
    assert response.status_code == 202, response.text
    done = await merged(tenant, resources, settings, response.json())
    assert done["status"] == "succeeded", done


async def get(tenant: Tenant, path: str, **params: Any) -> dict[str, Any]:
    response = await tenant.http.get(f"/v1/kpis{path}", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def accounts(tenant: Tenant) -> tuple[factories.SocialAccount, factories.SocialAccount]:
    instagram = await factories.social_account(tenant)
    facebook = await factories.social_account(
        tenant, platform="facebook", handle="@maison", external_id="fb-1"
    )
    return instagram, facebook


@pytest.fixture
async def campaign_data(tenant: Tenant, resources: Resources, settings: Settings) -> dict[str, Any]:
    """Two items of one campaign; clicks and engagements reported on half the snapshots."""
    instagram, facebook = await accounts(tenant)
    campaign = await factories.campaign(tenant, targets={"ctr": "0.05", "cpa": "10.00"})
    a = await factories.content_item(tenant, instagram, campaign_id=campaign["id"], paid=True)
    b = await factories.content_item(tenant, facebook, campaign_id=campaign["id"], format="reel")
    await load(
        tenant,
        resources,
        settings,
        [
            row(a, impressions=1000, clicks=30, engagements=50, spend="20.00", conversions=2),
            row(a, period_start=D2, impressions=1000, engagements=30),
            row(b, impressions=2000, clicks=20, spend="10.00", conversions=0),
            row(b, period_start=D2, impressions=500),
        ],
    )
    return {"campaign": campaign, "a": a, "b": b}


async def test_ratios_use_only_snapshots_reporting_both_counters(
    tenant: Tenant, campaign_data: dict[str, Any]
) -> None:
    [total] = (await get(tenant, "", **NOVEMBER))["items"]
    assert total["snapshots"] == 4
    assert total["counters"]["impressions"] == 4500
    assert total["counters"]["clicks"] == 50
    assert total["counters"]["spend"] == "30.00"
    assert total["counters"]["reach"] is None  # nobody reported reach: null, not 0
    assert total["coverage"]["clicks"] == 0.5
    assert total["coverage"]["engagements"] == 0.5
    assert total["coverage"]["impressions"] == 1.0
    assert total["coverage"]["reach"] == 0.0
    kpis = total["kpis"]
    assert kpis["ctr"] == 0.016667  # 50 / 3000, not 50 / 4500
    assert kpis["engagement_rate"] == 0.04  # 80 / 2000
    assert kpis["conversion_rate"] == 0.04  # 2 / 50
    assert kpis["cpm"] == "10.00"  # 30 / 3000 x 1000
    assert kpis["cpc"] == "0.60"
    assert kpis["cpa"] == "15.00"
    assert kpis["cpl"] is None  # leads never reported
    assert [kpis[name] for name in ("roas", "roi", "frequency")] == [None] * 3
    assert total["targets_missed"] is None  # no campaign in scope


async def test_a_group_without_clicks_has_a_null_ctr_not_zero(
    tenant: Tenant, campaign_data: dict[str, Any]
) -> None:
    days = (await get(tenant, "", group_by="day", **NOVEMBER))["items"]
    assert [d["group"]["period_start"] for d in days] == ["2026-11-02", "2026-11-03"]
    first, second = days
    assert first["kpis"]["ctr"] == 0.016667
    assert second["counters"]["clicks"] is None
    assert second["coverage"]["clicks"] == 0.0
    assert second["kpis"]["ctr"] is None
    assert second["kpis"]["engagement_rate"] == 0.03  # 30 / 1000


async def test_groups_filters_and_missed_targets(
    tenant: Tenant, campaign_data: dict[str, Any]
) -> None:
    campaign = campaign_data["campaign"]
    [row_] = (await get(tenant, "", group_by="campaign", **NOVEMBER))["items"]
    assert row_["group"] == {"campaign_id": campaign["id"], "name": "Spring launch"}
    assert sorted(row_["targets_missed"]) == ["cpa", "ctr"]  # 15.00 > 10.00; 0.0167 < 0.05

    platforms = (await get(tenant, "", group_by="platform", **NOVEMBER))["items"]
    assert [(p["group"]["platform"], p["kpis"]["ctr"]) for p in platforms] == [
        ("facebook", 0.01),
        ("instagram", 0.03),
    ]
    formats = (await get(tenant, "", group_by="format", campaign_id=campaign["id"]))["items"]
    assert [(f["group"]["format"], f["targets_missed"]) for f in formats] == [
        ("post", ["ctr"]),  # 30 / 1000 < 0.05; CPA 10.00 is on target
        ("reel", ["cpa", "ctr"]),  # spent 10.00 for no conversion at all
    ]
    items = (await get(tenant, "", group_by="content_item"))["items"]
    assert {i["group"]["content_item_id"] for i in items} == {
        campaign_data["a"]["id"],
        campaign_data["b"]["id"],
    }
    assert [i["counters"]["impressions"] for i in (await get(tenant, ""))["items"]] == [4500]

    by_filter = {
        "platform=facebook": await get(tenant, "", platform="facebook"),
        "paid=true": await get(tenant, "", paid="true"),
        "format=reel": await get(tenant, "", format="reel"),
        "to=D2": await get(tenant, "", **{"from": NOVEMBER["from"], "to": D2}),
        "from=D2": await get(tenant, "", **{"from": D2}),
    }
    assert {name: r["items"][0]["counters"]["impressions"] for name, r in by_filter.items()} == {
        "platform=facebook": 2500,
        "paid=true": 2000,
        "format=reel": 2500,
        "to=D2": 3000,
        "from=D2": 1500,
    }
    assert (await get(tenant, "", campaign_id=str(uuid.uuid4())))["items"] == []


async def test_campaign_level_snapshots_are_a_level_of_their_own(
    tenant: Tenant, campaign_data: dict[str, Any], resources: Resources, settings: Settings
) -> None:
    campaign = campaign_data["campaign"]
    await load(tenant, resources, settings, [row(campaign, impressions=9000, spend="99.00")])
    [items] = (await get(tenant, "", group_by="campaign"))["items"]
    assert items["counters"]["impressions"] == 4500  # the campaign's own total not added
    [own] = (await get(tenant, "", group_by="campaign", level="campaign"))["items"]
    assert (own["counters"]["impressions"], own["kpis"]["cpm"]) == (9000, "11.00")
    for params in ({"platform": "instagram"}, {"group_by": "format"}):
        response = await tenant.http.get(
            "/v1/kpis", params={"level": "campaign", **params}, headers=tenant.admin
        )
        assert_problem(response, 422)


async def test_bad_kpi_queries_are_problems(tenant: Tenant) -> None:
    for params in (
        {"from": D2, "to": D1},
        {"from": "2026-11-02"},  # no time, no offset
        {"group_by": "hour"},
        {"format": "gif"},
        {"granularity": "week"},
        {"groupby": "campaign"},
    ):
        response = await tenant.http.get("/v1/kpis", params=params, headers=tenant.admin)
        assert_problem(response, 422)
    missing = await tenant.http.get("/v1/kpis/ab-tests/nope", headers=tenant.admin)
    assert_problem(missing, 404)


async def test_csv_by_accept_header_or_format_parameter(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    campaign = await factories.campaign(tenant, name='=HYPERLINK("http://x")')
    item = await factories.content_item(tenant, instagram, campaign_id=campaign["id"])
    await load(tenant, resources, settings, [row(item, impressions=1000, clicks=10)])

    response = await tenant.http.get(
        "/v1/kpis",
        params={
            "group_by": "campaign",
            "format": "csv",
            "csv_dialect": "rfc4180",
            "csv_header": "keys",
        },
        headers=tenant.admin,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    [line] = list(csv.DictReader(io.StringIO(response.text)))
    assert line["campaign_id"] == campaign["id"]
    assert line["name"] == '\'=HYPERLINK("http://x")'  # not a formula in a spreadsheet
    assert (line["impressions"], line["clicks"], line["reach"]) == ("1000", "10", "")
    assert (line["ctr"], line["coverage_clicks"], line["cpm"]) == ("0.01", "1.0", "")

    by_accept = await tenant.http.get(
        "/v1/kpis",
        params={"group_by": "format", "format": "post", "csv_dialect": "rfc4180"},
        headers=tenant.admin | {"Accept": "text/csv"},
    )
    assert by_accept.headers["content-type"].startswith("text/csv")
    [post] = list(csv.DictReader(io.StringIO(by_accept.text)))
    assert post["Format"] == "post"  # the header in the workspace's language
    for path in ("/funnel", "/content-matrix", "/best-times", "/budget"):
        got = await tenant.http.get(f"/v1/kpis{path}?format=csv", headers=tenant.admin)
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("text/csv")
        assert got.text.splitlines()[0]  # a header line at least


async def test_funnel_stages_leak_and_workspace_ranges(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    item = await factories.content_item(tenant, instagram)
    await load(
        tenant,
        resources,
        settings,
        [
            row(
                item,
                impressions=100_000,
                engagements=4000,
                clicks=20,
                conversions=1,
                spend="300.00",
            )
        ],
    )
    funnel = await get(tenant, "/funnel")
    stages = [(s["name"], s["count"], s["pass_rate"], s["position"]) for s in funnel["stages"]]
    assert stages == [
        ("awareness", 100_000, None, None),
        ("activation", 4000, 0.04, "within"),
        ("consideration", 20, 0.005, "below"),
        ("conversion", 1, 0.05, "within"),
    ]
    assert [s["label"] for s in funnel["stages"]] == [
        "Captation",
        "Activation",
        "Considération",
        "Conversion",
    ]  # a French workspace's
    assert funnel["stages"][2]["reference"] == {"low": 0.01, "high": 0.03}
    assert funnel["leak"] == "consideration"
    benchmarks = {b["kpi"]: (b["value"], b["position"]) for b in funnel["benchmarks"]}
    assert benchmarks == {
        "cpm": ("3.00", "below"),
        "engagement_rate": (0.04, "within"),
        "ctr": (0.0002, "below"),
        "conversion_rate": (0.05, "within"),
    }

    patched = await tenant.http.patch(
        "/v1/workspace",
        json={"kpi_ranges": {"click_to_conversion": {"low": "0.2", "high": "0.5"}}},
        headers=tenant.admin,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["kpi_ranges"]["click_to_conversion"] == {"low": "0.2", "high": "0.5"}
    assert (await get(tenant, "/funnel"))["leak"] == "conversion"  # 75 % under 0.2 > 50 %
    for bad in ({"low": "0.5", "high": "0.2"}, {"low": 0.1, "high": "0.2"}):
        refused = await tenant.http.patch(
            "/v1/workspace", json={"kpi_ranges": {"ctr": bad}}, headers=tenant.admin
        )
        assert_problem(refused, 422)
    reset = await tenant.http.patch(
        "/v1/workspace", json={"kpi_ranges": {"click_to_conversion": None}}, headers=tenant.admin
    )
    assert reset.json()["kpi_ranges"]["click_to_conversion"] == {"low": "0.02", "high": "0.10"}
    assert (await get(tenant, "/funnel"))["leak"] == "consideration"


async def test_content_matrix_quadrants_by_medians_and_by_query(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    figures = {  # engagements, clicks, conversions on 1000 impressions
        "star": (80, 100, 10),  # ER 0.08, CR 0.10
        "generic": (20, 100, 1),  # ER 0.02, CR 0.01
        "viral": (60, 50, 0),  # ER 0.06, CR 0
        "targeted": (10, 20, 4),  # ER 0.01, CR 0.20
    }
    items = {}
    rows = []
    for name, (engagements, clicks, conversions) in figures.items():
        items[name] = await factories.content_item(tenant, instagram, title=name)
        rows.append(
            row(
                items[name],
                impressions=1000,
                engagements=engagements,
                clicks=clicks,
                conversions=conversions,
            )
        )
    silent = await factories.content_item(tenant, instagram, title="silent")
    rows.append(row(silent, likes=5))  # no impressions: left out, counted
    await load(tenant, resources, settings, rows)

    matrix = await get(tenant, "/content-matrix")
    assert matrix["thresholds"] == {
        "engagement_rate": 0.04,  # median of 0.08, 0.02, 0.06, 0.01
        "conversion_rate": 0.055,  # median of 0.10, 0.01, 0, 0.20
        "source": "median",
    }
    assert {i["title"]: i["quadrant"] for i in matrix["items"]} == {name: name for name in figures}
    assert matrix["excluded_without_impressions"] == 1
    assert matrix["quadrants"] == dict.fromkeys(["generic", "viral", "targeted", "star"], 1)

    chosen = await get(
        tenant, "/content-matrix", engagement_threshold="0.05", conversion_threshold="0.15"
    )
    assert chosen["thresholds"]["source"] == "query"
    assert {i["title"]: i["quadrant"] for i in chosen["items"]} == {
        "star": "viral",  # ER 0.08 >= 0.05, CR 0.10 < 0.15
        "generic": "generic",
        "viral": "viral",
        "targeted": "targeted",
    }


async def test_best_times_in_the_workspace_time_zone(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    published = {
        # Sunday 23:xx UTC is Monday 00:xx in Paris (UTC+1 in November).
        "midnight": ["2026-11-01T23:15:00Z", "2026-11-01T23:30:00Z", "2026-11-01T23:45:00Z"],
        # Monday 08:xx UTC is 09:xx in Paris.
        "morning": ["2026-11-02T08:05:00Z", "2026-11-02T08:30:00Z", "2026-11-02T08:59:00Z"],
        # The night clocks went forward: 00:30 UTC is 01:30 CET, 01:30 UTC is 03:30 CEST.
        "before_dst": ["2026-03-29T00:30:00Z"],
        "after_dst": ["2026-03-29T01:30:00Z"],
    }
    engagements = {"midnight": 100, "morning": 40, "before_dst": 500, "after_dst": 300}
    rows = []
    for slot, moments in published.items():
        for moment in moments:
            item = await factories.published_item(tenant, instagram, moment)
            rows.append(row(item, impressions=1000, engagements=engagements[slot]))
    draft = await factories.content_item(tenant, instagram)
    rows.append(row(draft, impressions=1000, engagements=900))  # never published: ignored
    await load(tenant, resources, settings, rows)

    times = await get(tenant, "/best-times")
    assert times["timezone"] == "Europe/Paris"
    slots = {(s["weekday"], s["hour"]): (s["items"], s["engagement_rate"]) for s in times["slots"]}
    assert slots == {
        (1, 0): (3, 0.1),
        (1, 9): (3, 0.04),
        (7, 1): (1, 0.5),
        (7, 3): (1, 0.3),
    }
    assert [(s["weekday_name"], s["hour"]) for s in times["top"]] == [
        ("Lundi", 0),
        ("Lundi", 9),
    ]  # the Sunday slots have fewer than 3 items
    anyone = await get(tenant, "/best-times", min_items=1)
    assert [(s["weekday"], s["hour"]) for s in anyone["top"]][:2] == [(7, 1), (7, 3)]

    moved = await tenant.http.patch(
        "/v1/workspace", json={"timezone": "America/New_York"}, headers=tenant.admin
    )
    assert moved.status_code == 200
    new_york = await get(tenant, "/best-times")
    # 23:xx UTC on Sunday 1 November is 18:xx in New York (EST since that morning).
    assert [(s["weekday"], s["hour"]) for s in new_york["top"]] == [(7, 18), (1, 3)]


async def test_budget_pacing_split_and_reallocation(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, facebook = await accounts(tenant)
    campaign = await factories.campaign(
        tenant,
        budget="1000.00",
        starts_at=factories.in_days(-10),
        ends_at=factories.in_days(10),
    )
    cid = campaign["id"]
    reel = await factories.published_item(
        tenant,
        instagram,
        factories.in_days(-5),
        campaign_id=cid,
        format="reel",
        paid=True,
        production_cost="50.00",
    )
    post = await factories.content_item(tenant, facebook, campaign_id=cid, paid=True)
    organic = await factories.published_item(
        tenant, instagram, factories.in_days(-4), campaign_id=cid, production_cost="30.00"
    )
    days_ago = factories.in_days(-3)[:10] + "T00:00:00Z"
    await load(
        tenant,
        resources,
        settings,
        [
            row(reel, period_start=days_ago, spend="100.00", conversion_value="400.00"),
            row(post, period_start=days_ago, spend="200.00", conversion_value="200.00"),
            row(organic, period_start=days_ago, impressions=5000),
        ],
    )
    [line] = (await get(tenant, "/budget", campaign_id=cid))["items"]
    assert (line["budget"], line["spend"], line["remaining"]) == ("1000.00", "300.00", "700.00")
    assert line["expected_spend"] == "500.00"  # half-way through
    assert line["pacing"] == 0.6
    assert line["paid"] == {"spend": "300.00", "production_cost": "50.00", "total": "350.00"}
    assert line["organic"] == {"spend": "0.00", "production_cost": "30.00", "total": "30.00"}
    assert line["ranked_by"] == "roas"
    assert [
        (r["format"], r["platform"], r["value"], r["current_share"], r["suggested_share"])
        for r in line["reallocation"]
    ] == [
        ("reel", "instagram", 4.0, 0.333333, 0.666667),
        ("post", "facebook", 1.0, 0.666667, 0.333333),
    ]
    assert [r["suggested_spend"] for r in line["reallocation"]] == ["466.67", "233.33"]


async def test_ab_test_winner_needs_significance(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    campaign = await factories.campaign(tenant, objective="traffic")
    clicks = {("hero", "A"): 300, ("hero", "B"): 200, ("caption", "A"): 110, ("caption", "B"): 100}
    rows = []
    for (group, variant), count in clicks.items():
        item = await factories.content_item(
            tenant, instagram, campaign_id=campaign["id"], ab_test_group=group, variant=variant
        )
        rows.append(row(item, impressions=10_000, clicks=count))
    await load(tenant, resources, settings, rows)

    hero = await get(tenant, "/ab-tests/hero")
    assert hero["metric"] == "ctr"  # a traffic campaign
    assert [(v["variant"], v["clicks"], v["ctr"]) for v in hero["variants"]] == [
        ("A", 300, 0.03),
        ("B", 200, 0.02),
    ]
    # pooled 0.025: z = 0.01 / sqrt(0.025 x 0.975 x 2 / 10000) = 4.5291
    assert (hero["winner"], hero["runner_up"], hero["significant"]) == ("A", "B", True)
    assert hero["z"] == pytest.approx(4.5291, abs=1e-4)
    assert hero["p_value"] < 1e-4

    caption = await get(tenant, "/ab-tests/caption")
    # z = 0.001 / sqrt(0.0105 x 0.9895 x 2 / 10000) = 0.6937: p = 0.49
    assert (caption["winner"], caption["significant"]) == (None, False)
    assert caption["p_value"] == pytest.approx(0.4879, abs=1e-3)

    by_conversions = await get(tenant, "/ab-tests/hero", metric="conversion_rate")
    assert (by_conversions["winner"], by_conversions["p_value"]) == (None, None)


async def test_a_missed_target_is_sent_once_per_campaign_kpi_and_day(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram, _ = await accounts(tenant)
    campaign = await factories.campaign(tenant, targets={"cpa": "10.00", "roas": "2"})
    other = await factories.campaign(tenant, name="Autumn", targets={"ctr": "0.05"})
    item = await factories.content_item(tenant, instagram, campaign_id=campaign["id"])
    other_item = await factories.content_item(tenant, instagram, campaign_id=other["id"])
    await load(
        tenant,
        resources,
        settings,
        [
            row(item, spend="50.00", conversions=2, conversion_value="200.00"),
            row(other_item, impressions=1000, clicks=100),  # CTR 0.10 meets 0.05
        ],
    )  # CPA 25.00 misses 10.00; ROAS 4 meets 2
    await load(
        tenant,
        resources,
        settings,
        [
            row(item, period_start=D2, spend="10.00"),
            row(other_item, period_start=D2, impressions=9000, clicks=0),  # 100 / 10,000
        ],
    )

    events = [e.data for e in await outbox_events(resources, tenant.id, "kpi.target_missed")]
    assert [(e["campaign_id"], e["kpi"], e["target"], e["actual"]) for e in events] == [
        (campaign["id"], "cpa", "10.00", "25.00"),  # once, though the second merge misses too
        (other["id"], "ctr", "0.05", "0.010000"),
    ]


async def test_an_item_moved_to_another_campaign_takes_its_numbers_along(
    tenant: Tenant, campaign_data: dict[str, Any], resources: Resources
) -> None:
    other = await factories.campaign(tenant, name="Autumn")
    moved = await tenant.http.patch(
        f"/v1/content-items/{campaign_data['b']['id']}",
        json={"campaign_id": other["id"]},
        headers=tenant.admin,
    )
    assert moved.status_code == 200, moved.text
    async with resources.engine.connect() as conn:
        queued = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM jobs WHERE workspace_id = :w AND name = 'kpis.rebuild' "
                "AND status = 'pending'"
            ),
            {"w": uuid.UUID(tenant.id)},
        )
    assert queued == 1  # the worker re-buckets; run here as it would
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await rollups.rebuild_workspace(uow.session, uuid.UUID(tenant.id))
    rows = (await get(tenant, "", group_by="campaign", **NOVEMBER))["items"]
    assert {r["group"]["name"]: r["counters"]["impressions"] for r in rows} == {
        "Spring launch": 2000,
        "Autumn": 2500,
    }
