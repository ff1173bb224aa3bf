"""Issue 17: the KPI reports as CSV. `export=csv` (or `Accept: text/csv`) asks for CSV, so
`format` is a content format again (`format=csv` a deprecated alias); the funnel and the
budget are flat tables, with no JSON in a cell and no column that can hold nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, offline_app
from tests.helpers.metrics import ingest, merged, row
from tests.helpers.problems import assert_problem
from tests.helpers.reports import seed


async def lines(tenant: Tenant, path: str, **params: str) -> list[dict[str, str]]:
    response = await tenant.http.get(
        f"/v1/kpis{path}",
        params={"export": "csv", "csv_dialect": "rfc4180", "csv_header": "keys", **params},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_reels_as_csv(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    account = await factories.social_account(tenant)
    reel = await factories.content_item(tenant, account, format="reel")
    post = await factories.content_item(tenant, account, format="post")
    response = await ingest(
        tenant, [row(reel, impressions=1000, clicks=30), row(post, impressions=500, clicks=5)]
    )
    await merged(tenant, resources, settings, response.json())

    [reels] = await lines(tenant, "", format="reel", export="csv", group_by="format")
    assert (reels["format"], reels["impressions"], reels["ctr"]) == ("reel", "1000", "0.03")
    alias = await lines(tenant, "", format="csv", group_by="format")  # deprecated, no filter
    assert sorted(line["format"] for line in alias) == ["post", "reel"]
    json = await tenant.http.get("/v1/kpis", params={"format": "reel"}, headers=tenant.admin)
    assert json.headers["content-type"] == "application/json"
    for bad in ({"export": "xlsx"}, {"format": "gif"}, {"csv_dialect": "tsv"}):
        assert_problem(await tenant.http.get("/v1/kpis", params=bad, headers=tenant.admin), 422)


def test_format_is_a_content_format_and_csv_is_deprecated() -> None:
    schema = offline_app().openapi()
    params = {p["name"]: p for p in schema["paths"]["/v1/kpis"]["get"]["parameters"]}
    content_format, alias = params["format"]["schema"]["anyOf"]
    assert content_format == {"$ref": "#/components/schemas/ContentFormat"}
    assert "reel" in schema["components"]["schemas"]["ContentFormat"]["enum"]
    assert (alias["const"], alias["deprecated"]) == ("csv", True)
    assert "deprecated" in params["format"]["description"]
    assert params["export"]["schema"]["const"] == "csv"
    dialects = params["csv_dialect"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][dialects]["enum"] == ["rfc4180", "excel"]
    for path in ("/v1/kpis/share-of-voice", "/v1/kpis/responsiveness"):
        listening = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert listening["format"]["deprecated"] is True
        assert "export" in listening


async def test_funnel_and_budget_are_flat_tables(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    seeded = await seed(tenant, resources, settings)
    funnel = await lines(tenant, "/funnel")
    assert list(funnel[0]) == [
        "kind",
        "name",
        "label",
        "counter",
        "count",
        "pass_rate",
        "value",
        "reference_low",
        "reference_high",
        "position",
    ]
    assert [(f["kind"], f["name"]) for f in funnel][3:5] == [
        ("stage", "conversion"),
        ("benchmark", "cpm"),
    ]
    assert (funnel[4]["value"], funnel[4]["reference_low"]) == ("15.00", "5.00")

    budget = await lines(tenant, "/budget")
    campaign, *pairs = budget
    assert (campaign["kind"], campaign["campaign_id"]) == ("campaign", seeded.campaign_id)
    assert (campaign["spend"], campaign["paid_spend"], campaign["reallocation_format"]) == (
        "600.00",
        "450.00",
        "",
    )
    assert {p["kind"] for p in pairs} == {"reallocation"}
    assert {(p["campaign_id"], p["spend"]) for p in pairs} == {(seeded.campaign_id, "")}
    assert sorted((p["reallocation_format"], p["reallocation_platform"]) for p in pairs) == [
        ("carousel", "instagram"),
        ("post", "facebook"),
        ("post", "instagram"),
        ("reel", "instagram"),
    ]
    suggested = sum(Decimal(p["reallocation_suggested_spend"]) for p in pairs)
    assert suggested == Decimal(campaign["remaining"])  # each column sums to what it says
    assert "reallocation" not in campaign


async def test_targets_missed_only_where_targets_apply(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    seeded = await seed(tenant, resources, settings)
    [by_campaign] = await lines(tenant, "", group_by="campaign")
    assert by_campaign["targets_missed"] == "cpa, ctr"  # joined text, not a JSON array
    by_item = await lines(tenant, "", group_by="content_item")
    assert "targets_missed" not in by_item[0]
    filtered: list[dict[str, Any]] = await lines(
        tenant, "", group_by="content_item", campaign_id=seeded.campaign_id
    )
    assert filtered[0]["targets_missed"] == "cpa, ctr"
