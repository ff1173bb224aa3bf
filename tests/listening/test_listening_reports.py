"""`POST /v1/listening-reports` (issue 21): a listening source's page as returned, into
LIS-1 mentions: one mention per post or comment, a repeat updates it, a broken page is
refused at its place inside the payload and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Tenant
from tests.helpers.problems import assert_problem

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "listening"


def payload(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


async def post(tenant: Tenant, source: str, body: Any) -> Any:
    return await tenant.http.post(
        "/v1/listening-reports", json={"source": source, "payload": body}, headers=tenant.admin
    )


async def mentions(tenant: Tenant) -> list[dict[str, Any]]:
    got = await tenant.http.get("/v1/mentions", params={"limit": 100}, headers=tenant.admin)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


async def test_a_search_page_of_x_becomes_mentions_once(tenant: Tenant) -> None:
    first = await post(tenant, "x_recent_search", payload("x_recent_search"))
    assert first.status_code == 202, first.text
    accepted = first.json()
    assert accepted["next_page"] == "b26v89c19zqg8o3fpdg86rmb92nr5hjc8m6lnyhfcre65"
    assert accepted["batch"]["row_count"] == accepted["mentions"] >= 2
    assert first.headers["location"] == f"/v1/ingest-batches/{accepted['batch']['id']}"
    stored = {m["external_id"]: m for m in await mentions(tenant)}
    french = stored["1403854568774066181"]
    assert (french["platform"], french["author_handle"], french["author_followers"]) == (
        "x",
        "@lectrice_paris",
        131,
    )
    assert french["url"] == "https://x.com/lectrice_paris/status/1403854568774066181"
    assert french["language"] == "fr"

    again = await post(tenant, "x_recent_search", payload("x_recent_search"))
    assert again.status_code == 202, again.text
    assert again.json()["batch"]["inserted"] == 0  # a repeat never duplicates
    assert len(await mentions(tenant)) == len(stored)


async def test_reddit_posts_and_comments_keep_their_kind_in_the_id(tenant: Tenant) -> None:
    response = await post(tenant, "reddit_listing", payload("reddit_listing"))
    assert response.status_code == 202, response.text
    assert response.json()["next_page"] == "t1_mzqqmaw"
    ids = {m["external_id"] for m in await mentions(tenant)}
    assert "t1_oprhecj" in ids
    assert {i[:3] for i in ids} <= {"t1_", "t3_"}
    assert all(m["platform"] == "reddit" for m in await mentions(tenant))


async def test_youtube_comment_threads_and_an_empty_page(tenant: Tenant) -> None:
    response = await post(tenant, "youtube_comment_threads", payload("youtube_comment_threads"))
    assert response.status_code == 202, response.text
    assert response.json()["mentions"] == len(await mentions(tenant)) > 0
    empty = await post(
        tenant, "reddit_listing", {"kind": "Listing", "data": {"after": None, "children": []}}
    )
    assert empty.status_code == 202, empty.text
    assert empty.json() == {
        "source": "reddit_listing",
        "mentions": 0,
        "next_page": None,
        "batch": None,
    }


async def test_a_broken_page_is_refused_at_its_place_and_stores_nothing(tenant: Tenant) -> None:
    body = payload("x_recent_search")
    del body["data"][1]["created_at"]
    problem = assert_problem(await post(tenant, "x_recent_search", body), 422)
    assert [e["loc"] for e in problem["errors"]] == [["body", "payload", "data", 1, "created_at"]]
    assert await mentions(tenant) == []
