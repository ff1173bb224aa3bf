"""Issue 17: mentions exported as CSV. `GET /v1/mentions` answers a page of them in flat
columns on `Accept: text/csv` or `?export=csv`, with the same filters, the next page in a
`Link` header; the listening reports keep `format=csv` as a deprecated alias."""

from __future__ import annotations

import csv
import io
import re

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.listening import ago, ingest, mention, term


def rows(body: bytes, dialect: str = "excel") -> list[dict[str, str]]:
    if dialect == "excel":
        assert body.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


async def test_mentions_as_csv_page_by_page(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    brand = await term(tenant, "Lumière")
    await ingest(
        tenant,
        resources,
        settings,
        [
            mention("Lumière, colis perdu ?! #sav", sentiment=-0.8, posted_at=ago(hours=3)),
            mention("Lumière, au top #parfum #noel", sentiment=0.9, posted_at=ago(hours=2)),
            mention("Lumière déçoit", sentiment=-0.5, posted_at=ago(hours=1)),
        ],
    )
    first = await tenant.http.get(
        "/v1/mentions",
        params={"sentiment": "negative", "limit": "1", "csv_header": "keys"},
        headers=tenant.admin | {"Accept": "text/csv"},
    )
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "text/csv; charset=utf-8"
    [one] = rows(first.content)  # a French workspace: the Excel dialect
    link = re.fullmatch(r'<(/v1/mentions\?[^>]+)>; rel="next"', first.headers["link"])
    assert link is not None
    assert "sentiment=negative" in link[1]
    second = await tenant.http.get(link[1], headers=tenant.admin | {"Accept": "text/csv"})
    [two] = rows(second.content)
    assert "link" not in second.headers
    lost = one if one["text"].startswith("Lumière, colis") else two
    assert {one["text"], two["text"]} == {"Lumière, colis perdu ?! #sav", "Lumière déçoit"}
    assert (lost["sentiment"], lost["sentiment_label"], lost["hashtags"]) == (
        "-0,8",
        "negative",
        "sav",
    )
    assert (lost["term_ids"], lost["response_reasons"]) == (brand["id"], "negative, question")
    assert lost["author_handle"] == "'@someone"  # `@` starts a formula in Excel

    exported = await tenant.http.get(
        "/v1/mentions",
        params={"export": "csv", "csv_dialect": "rfc4180", "csv_header": "keys"},
        headers=tenant.admin,
    )
    everything = {m["text"]: m for m in rows(exported.content, "rfc4180")}
    assert sorted(m["sentiment"] for m in everything.values()) == ["-0.5", "-0.8", "0.9"]
    assert everything["Lumière, au top #parfum #noel"]["hashtags"] == "parfum, noel"
    json = await tenant.http.get("/v1/mentions", headers=tenant.admin)
    assert len(json.json()["items"]) == 3


async def test_responsiveness_csv_leaves_the_period_to_the_request(tenant: Tenant) -> None:
    response = await tenant.http.get(
        "/v1/kpis/responsiveness",
        params={
            "format": "csv",
            "from": ago(days=1),
            "csv_dialect": "rfc4180",
            "csv_header": "keys",
        },
        headers=tenant.admin,
    )
    assert response.text.splitlines() == [
        "needing_response,responded,response_rate,median_response_seconds,p90_response_seconds",
        "0,0,,,",
    ]
