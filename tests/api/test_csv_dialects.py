"""Issue 17: CSV in two dialects. RFC 4180 for BI tools and scripts; for Excel in French a
UTF-8 BOM (without it Excel reads "LumiÃ¨re"), `;` and a decimal comma in numeric cells
only. Chosen by `csv_dialect=`, else by the workspace's locale (`excel` for `fr-*`)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from services.api.csv_output import CsvDialect, csv_text
from services.api.state import Resources
from shared.config import Settings
from shared.kpis.schemas import RatioOut
from shared.schemas import MoneyOut
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.metrics import ingest, merged, row
from tests.helpers.problems import assert_problem

BOM = b"\xef\xbb\xbf"


def excel_lines(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(BOM), body[:10]
    return list(csv.DictReader(io.StringIO(body.decode("utf-8")[1:]), delimiter=";"))


def rfc_lines(body: bytes) -> list[dict[str, str]]:
    assert not body.startswith(BOM)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


async def _campaign(tenant: Tenant, resources: Resources, settings: Settings) -> dict[str, Any]:
    """A campaign with a 1500.00 budget whose one item has a CTR of 0.035."""
    account = await factories.social_account(tenant)
    campaign = await factories.campaign(
        tenant,
        name="Lumière d'hiver",
        budget="1500.00",
        starts_at=factories.in_days(-10),
        ends_at=factories.in_days(10),
    )
    item = await factories.content_item(tenant, account, campaign_id=campaign["id"])
    response = await ingest(tenant, [row(item, impressions=1000, clicks=35, spend="52.50")])
    assert response.status_code == 202, response.text
    await merged(tenant, resources, settings, response.json())
    return dict(campaign)


async def _csv(tenant: Tenant, path: str, **params: str) -> bytes:
    response = await tenant.http.get(
        path, params=params, headers=tenant.admin | {"Accept": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return response.content


async def test_a_french_workspace_gets_excel_unless_it_asks_for_rfc_4180(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    campaign = await _campaign(tenant, resources, settings)
    labelled = await _csv(tenant, "/v1/kpis", group_by="campaign")
    assert labelled.startswith(BOM + b"ID de la campagne;Nom;")  # its language's
    body = await _csv(tenant, "/v1/kpis", group_by="campaign", csv_header="keys")
    assert body.startswith(BOM + b"campaign_id;name;")
    [line] = excel_lines(body)
    assert line["name"] == "Lumière d'hiver"
    assert line["campaign_id"] == campaign["id"]
    assert (line["ctr"], line["spend"], line["impressions"]) == ("0,035", "52,50", "1000")
    budget, *_ = excel_lines(await _csv(tenant, "/v1/kpis/budget", csv_header="keys"))
    assert budget["kind"] == "campaign"
    assert (budget["budget"], budget["remaining"]) == ("1500,00", "1447,50")
    assert budget["starts_at"] == campaign["starts_at"].replace("+00:00", "Z")  # its point kept

    [rfc] = rfc_lines(
        await _csv(
            tenant, "/v1/kpis", group_by="campaign", csv_dialect="rfc4180", csv_header="keys"
        )
    )
    assert (rfc["name"], rfc["ctr"], rfc["spend"]) == ("Lumière d'hiver", "0.035", "52.50")


async def test_an_english_workspace_gets_rfc_4180_unless_it_asks_for_excel(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    tenant = await make_tenant(locale="en-GB")
    await _campaign(tenant, resources, settings)
    [rfc] = rfc_lines(await _csv(tenant, "/v1/kpis", export="csv"))
    assert rfc["CTR"] == "0.035"  # its language's labels
    [excel] = excel_lines(await _csv(tenant, "/v1/kpis", csv_dialect="excel", csv_header="keys"))
    assert excel["ctr"] == "0,035"


async def test_the_workspace_locale(tenant: Tenant, make_tenant: TenantFactory) -> None:
    got = await tenant.http.get("/v1/workspace", headers=tenant.admin)
    assert got.json()["locale"] == "fr-FR"
    moved = await tenant.http.patch("/v1/workspace", json={"locale": "en-US"}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["locale"] == "en-US"
    body = await _csv(tenant, "/v1/kpis")
    assert not body.startswith(BOM)
    for bad in (None, "fr", "de-DE"):
        refused = await tenant.http.patch(
            "/v1/workspace", json={"locale": bad}, headers=tenant.admin
        )
        assert_problem(refused, 422)
    with pytest.raises(AssertionError):
        await make_tenant(locale="fr_FR")


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        ("application/json, text/csv;q=0.5", "application/json"),
        ("text/csv;q=0.5, */*", "application/json"),
        ("text/csv, */*", "text/csv; charset=utf-8"),
        ("application/json;q=0.9, text/csv", "text/csv; charset=utf-8"),
    ],
)
async def test_the_preferred_type_is_answered(tenant: Tenant, accept: str, answer: str) -> None:
    response = await tenant.http.get("/v1/kpis", headers=tenant.admin | {"Accept": accept})
    assert response.headers["content-type"] == answer


class Sample(BaseModel):
    id: uuid.UUID
    at: datetime
    label: str
    ratio: RatioOut | None
    money: MoneyOut
    tiny: float
    count: int
    tags: list[str]


def test_the_decimal_comma_is_for_numbers_only() -> None:
    sample = Sample(
        id=uuid.UUID(int=1),
        at=datetime(2026, 12, 5, 10, 30, 0, 250000, tzinfo=UTC),
        label="1.5; =SUM(A1)",
        ratio=Decimal("-0.25"),
        money=Decimal("1500.00"),  # amounts carry their currency's places
        tiny=0.000001,
        count=12000,
        tags=["a", "b"],
    )
    excel = csv_text([sample], Sample, CsvDialect.excel)
    [line] = excel_lines(excel.encode())
    assert line == {
        "id": "00000000-0000-0000-0000-000000000001",
        "at": "2026-12-05T10:30:00.250000Z",
        "label": "1.5; =SUM(A1)",  # text: no comma, and quoted around its `;`
        "ratio": "-0,25",  # a negative number is not a formula: no quote
        "money": "1500,00",
        "tiny": "0,000001",  # never 1e-06
        "count": "12000",
        "tags": "a, b",
    }
    [rfc] = rfc_lines(csv_text([sample], Sample, CsvDialect.rfc4180).encode())
    assert (rfc["ratio"], rfc["money"], rfc["tiny"], rfc["tags"]) == (
        "-0.25",
        "1500.00",
        "0.000001",
        "a, b",
    )
    formula = sample.model_copy(update={"label": "=HYPERLINK(1)"})
    [quoted] = excel_lines(csv_text([formula], Sample, CsvDialect.excel).encode())
    assert quoted["label"] == "'=HYPERLINK(1)"


class Nested(BaseModel):
    samples: list[Sample]


def test_a_list_of_objects_in_a_cell_is_refused() -> None:
    """A report must give such a list rows of its own (the budget's reallocation pairs)."""
    with pytest.raises(TypeError, match="samples"):
        csv_text([Nested(samples=[])], Nested, CsvDialect.rfc4180)  # even empty: by type
