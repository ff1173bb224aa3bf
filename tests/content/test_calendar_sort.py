"""Issue 17: the editorial calendar reads in `scheduled_at` order, either way, with
unscheduled items last; its cursors stay true while the calendar changes between pages,
and continue only the sort they were made under."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import factories
from tests.conftest import Tenant
from tests.helpers.paging import Item, assert_each_once, in_order, walk
from tests.helpers.problems import assert_problem

YEAR = datetime.now(UTC).year + 1
PATH = "/v1/content-items"


def day(n: int, hour: int = 9) -> str:
    return f"{YEAR}-12-{n:02d}T{hour:02d}:00:00Z"


async def _calendar(tenant: Tenant, **params: Any) -> list[Item]:
    response = await tenant.http.get(PATH, params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[Item] = response.json()["items"]
    return items


async def test_the_calendar_reads_by_scheduled_at_either_way_unscheduled_last(
    tenant: Tenant,
) -> None:
    account = await factories.social_account(tenant)
    made = {}
    # Created out of calendar order, as the issue saw it: 12-01, 12-07, ..., 12-17, 12-03.
    for label, when in (
        ("01", day(1)),
        ("07", day(7)),
        ("draft", None),
        ("12", day(12)),
        ("17", day(17)),
        ("03", day(3)),
    ):
        item = await factories.content_item(tenant, account, caption=label, scheduled_at=when)
        made[item["id"]] = label

    def labels(items: list[Item]) -> list[str]:
        return [made[item["id"]] for item in items]

    assert labels(await _calendar(tenant)) == ["01", "07", "draft", "12", "17", "03"]
    assert labels(await _calendar(tenant, sort="created_at")) == labels(await _calendar(tenant))
    assert labels(await _calendar(tenant, sort="scheduled_at")) == [
        "01",
        "03",
        "07",
        "12",
        "17",
        "draft",
    ]
    assert labels(await _calendar(tenant, sort="-scheduled_at")) == [
        "17",
        "12",
        "07",
        "03",
        "01",
        "draft",
    ]
    # The sort applies within the other filters.
    december = {"scheduled_from": day(2), "scheduled_to": day(13)}
    assert labels(await _calendar(tenant, sort="-scheduled_at", **december)) == ["12", "07", "03"]


@pytest.mark.parametrize("sort", ["scheduled_at", "-scheduled_at"])
async def test_paging_through_ties_while_the_calendar_changes_repeats_and_skips_nothing(
    tenant: Tenant, sort: str
) -> None:
    """25 items on 5 slots (ties of 4) and 5 unscheduled, 4 a page; between pages an item
    lands on the slot just listed (a tie at the cursor), before everything, after
    everything and unscheduled, and one listed and one unlisted item are edited."""
    account = await factories.social_account(tenant)
    slots = [day(n) for n in (10, 4, 20, 8, 15)]
    plan: list[str | None] = [*slots * 4, *[None] * 5]
    existing = []
    for n, when in enumerate(plan):
        existing.append(
            (await factories.content_item(tenant, account, caption=f"c{n}", scheduled_at=when))[
                "id"
            ]
        )
    unlisted = iter(existing[::-1])
    inserted = itertools.count()

    async def meanwhile(page: list[Item]) -> None:
        last = page[-1]["scheduled_at"]
        for when in (last, day(1, 0), day(28, 23), None):
            caption = f"new{next(inserted)}"
            await factories.content_item(tenant, account, caption=caption, scheduled_at=when)
        for item_id in (page[0]["id"], next(unlisted)):
            edited = await tenant.http.patch(
                f"{PATH}/{item_id}", json={"caption": "edited"}, headers=tenant.admin
            )
            assert edited.status_code == 200, edited.text

    listed = await walk(tenant, PATH, sort, limit=4, between=meanwhile)
    assert_each_once(listed, existing)
    assert in_order(listed, "scheduled_at", descending=sort.startswith("-"))
    assert listed[-1]["scheduled_at"] is None  # unscheduled last, whichever the direction
    assert len(listed) > len(existing)  # some of the items added on the way were reached


async def test_a_cursor_continues_only_the_sort_it_was_made_under(tenant: Tenant) -> None:
    account = await factories.social_account(tenant)
    for n in (3, 1, 2):
        await factories.content_item(tenant, account, scheduled_at=day(n))

    async def cursor(sort: str) -> str:
        response = await tenant.http.get(
            PATH, params={"sort": sort, "limit": 1}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
        made: str = response.json()["next_cursor"]
        return made

    for made, asked in (
        ("scheduled_at", "-scheduled_at"),
        ("-scheduled_at", "scheduled_at"),
        ("created_at", "scheduled_at"),
        ("scheduled_at", "created_at"),
    ):
        response = await tenant.http.get(
            PATH, params={"sort": asked, "cursor": await cursor(made)}, headers=tenant.admin
        )
        problem = assert_problem(response, 422)
        assert f"sort={made}" in problem["detail"], problem
        assert problem["errors"][0]["loc"] == ["query", "cursor"], problem
    # Without `sort`, the default's cursor is the one it always was.
    default = await cursor("created_at")
    same = await tenant.http.get(PATH, params={"cursor": default}, headers=tenant.admin)
    assert same.status_code == 200, same.text
    assert len(same.json()["items"]) == 2
