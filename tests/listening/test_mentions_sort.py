"""Issue 17: the inbox reads by `posted_at`, either way; its cursors stay true while
mentions arrive and change between pages, and continue only the sort they were made
under. An alert's sample mentions are one call (`ids=`, tests/listening/test_inbox.py)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import Tenant
from tests.helpers.listening import ago, mention, post
from tests.helpers.paging import Item, assert_each_once, in_order, walk
from tests.helpers.problems import assert_problem

PATH = "/v1/mentions"


async def _send(tenant: Tenant, rows: list[dict[str, Any]]) -> None:
    response = await post(tenant, rows)
    assert response.status_code == 202, response.text


async def _texts(tenant: Tenant, **params: Any) -> list[str]:
    response = await tenant.http.get(PATH, params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


async def test_the_inbox_reads_by_posted_at_either_way(tenant: Tenant) -> None:
    # Arriving in another order than they were posted: a backfill after live mentions.
    await _send(tenant, [mention("live", posted_at=ago(minutes=5))])
    await _send(tenant, [mention("old", posted_at=ago(days=3))])
    await _send(tenant, [mention("older", posted_at=ago(days=6))])
    await _send(tenant, [mention("recent", posted_at=ago(hours=2))])

    assert await _texts(tenant) == ["live", "old", "older", "recent"]
    assert await _texts(tenant, sort="posted_at") == ["older", "old", "recent", "live"]
    assert await _texts(tenant, sort="-posted_at") == ["live", "recent", "old", "older"]
    assert await _texts(tenant, sort="-posted_at", **{"from": ago(days=4)}) == [
        "live",
        "recent",
        "old",
    ]


@pytest.mark.parametrize("sort", ["posted_at", "-posted_at"])
async def test_paging_through_ties_while_mentions_arrive_repeats_and_skips_nothing(
    tenant: Tenant, sort: str
) -> None:
    """25 mentions on 5 instants (ties of 5), 4 a page; between pages mentions arrive
    posted at the instant just listed (a tie at the cursor), before and after everything,
    a source re-sends one with new text, and the team ignores another."""
    instants = [ago(hours=h) for h in (30, 2, 50, 10, 20)]
    rows = [mention(f"m{n}", posted_at=instants[n % 5]) for n in range(25)]
    await _send(tenant, rows)
    response = await tenant.http.get(PATH, params={"limit": 100}, headers=tenant.admin)
    existing = [item["id"] for item in response.json()["items"]]
    assert len(existing) == 25
    unlisted = iter(existing[::-1])
    resent = iter(rows[::-1])
    arrived = itertools.count()

    async def meanwhile(page: list[Item]) -> None:
        at = page[-1]["posted_at"]
        await _send(
            tenant,
            [
                mention(f"new{next(arrived)}", posted_at=posted)
                for posted in (at, ago(days=10), ago(minutes=1))
            ]
            + [next(resent) | {"text": "edited at the source"}],
        )
        ignored = await tenant.http.patch(
            f"{PATH}/{next(unlisted)}", json={"status": "ignored"}, headers=tenant.admin
        )
        assert ignored.status_code == 200, ignored.text

    listed = await walk(tenant, PATH, sort, limit=4, between=meanwhile)
    assert_each_once(listed, existing)
    assert in_order(listed, "posted_at", descending=sort.startswith("-"))
    assert len(listed) > len(existing)


async def test_a_cursor_continues_only_the_sort_it_was_made_under(tenant: Tenant) -> None:
    await _send(tenant, [mention(f"m{n}", posted_at=ago(hours=n)) for n in range(3)])
    for made, asked in (
        ("posted_at", "-posted_at"),
        ("created_at", "posted_at"),
        ("-posted_at", "created_at"),
    ):
        first = await tenant.http.get(PATH, params={"sort": made, "limit": 1}, headers=tenant.admin)
        cursor = first.json()["next_cursor"]
        response = await tenant.http.get(
            PATH, params={"sort": asked, "cursor": cursor}, headers=tenant.admin
        )
        problem = assert_problem(response, 422)
        assert f"sort={made}" in problem["detail"], problem
