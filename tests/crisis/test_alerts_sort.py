"""Issue 17: alerts read by `opened_at`, either way; the cursors stay true while alerts
open and are acknowledged between pages, and continue only the sort they were made under.

The alerts are written straight to the table, at chosen times: what is tested is the
list, not the evaluation that opens them (tests/crisis/test_crisis.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.api.state import Resources
from shared.crisis.models import Alert, AlertStatus
from tests.conftest import Tenant
from tests.helpers.paging import Item, assert_each_once, in_order, walk
from tests.helpers.problems import assert_problem

PATH = "/v1/alerts"
NOW = datetime.now(UTC).replace(microsecond=0)
_names = itertools.count()
METRICS = {
    "mention_count": 40,
    "negative_count": 30,
    "negative_share": 0.75,
    "weighted_negative_share": 0.8,
    "avg_sentiment": -0.6,
    "expected_count": 10.0,
    "volume_ratio": 4.0,
}
EXPLANATION = {
    "terms": [],
    "hashtags": [],
    "top_authors": [],
    "platforms": [],
    "languages": [],
    "avg_sentiment": -0.6,
    "baseline_avg_sentiment": 0.1,
    "sentiment_delta": -0.7,
    "summary": "Negative mentions quadrupled.",
}


async def open_alerts(resources: Resources, tenant: Tenant, *opened: datetime) -> list[str]:
    """One open alert (without a policy) per time, in that order; their ids."""
    rows = [
        Alert(
            id=uuid.uuid4(),
            workspace_id=uuid.UUID(tenant.id),
            policy_id=None,
            policy_name=f"P{next(_names)}",
            level="alert",
            status=AlertStatus.open,
            opened_at=at,
            last_held_at=at,
            metrics=METRICS,
            escalations=[],
            sample_mention_ids=[],
            explanation=EXPLANATION,
            playbook=[],
        )
        for at in opened
    ]
    async with resources.sessionmaker() as session, session.begin():
        for row in rows:  # one flush each: distinct created_at, in this order
            session.add(row)
            await session.flush()
    return [str(row.id) for row in rows]


async def _names_listed(tenant: Tenant, **params: str) -> list[str]:
    response = await tenant.http.get(PATH, params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [item["policy_name"] for item in response.json()["items"]]


async def test_alerts_read_by_opened_at_either_way(tenant: Tenant, resources: Resources) -> None:
    first = next(_names)
    await open_alerts(resources, tenant, *(NOW - timedelta(hours=h) for h in (1, 24, 3, 48)))
    p = [f"P{first + n}" for n in range(1, 5)]  # in the order recorded
    assert await _names_listed(tenant) == p
    assert await _names_listed(tenant, sort="opened_at") == [p[3], p[1], p[2], p[0]]
    assert await _names_listed(tenant, sort="-opened_at") == [p[0], p[2], p[1], p[3]]
    assert await _names_listed(tenant, sort="-opened_at", status="open") == [p[0], p[2], p[1], p[3]]


@pytest.mark.parametrize("sort", ["opened_at", "-opened_at"])
async def test_paging_through_ties_while_alerts_open_repeats_and_skips_nothing(
    tenant: Tenant, resources: Resources, sort: str
) -> None:
    """25 alerts on 5 instants (ties of 5), 4 a page; between pages alerts open at the
    instant just listed (a tie at the cursor), before and after everything, and one
    listed and one unlisted alert are acknowledged."""
    instants = [NOW - timedelta(hours=h) for h in (30, 2, 50, 10, 20)]
    existing = await open_alerts(resources, tenant, *(instants[n % 5] for n in range(25)))
    unlisted = iter(existing[::-1])

    async def meanwhile(page: list[Item]) -> None:
        at = datetime.fromisoformat(page[-1]["opened_at"])
        await open_alerts(resources, tenant, at, NOW - timedelta(days=9), NOW)
        for alert_id in {page[0]["id"], next(unlisted)}:
            acknowledged = await tenant.http.patch(
                f"{PATH}/{alert_id}", json={"status": "acknowledged"}, headers=tenant.admin
            )
            assert acknowledged.status_code == 200, acknowledged.text

    listed = await walk(tenant, PATH, sort, limit=4, between=meanwhile)
    assert_each_once(listed, existing)
    assert in_order(listed, "opened_at", descending=sort.startswith("-"))
    assert len(listed) > len(existing)


async def test_a_cursor_continues_only_the_sort_it_was_made_under(
    tenant: Tenant, resources: Resources
) -> None:
    await open_alerts(resources, tenant, *(NOW - timedelta(hours=h) for h in (1, 2, 3)))
    for made, asked in (("-opened_at", "opened_at"), ("opened_at", "created_at")):
        first = await tenant.http.get(PATH, params={"sort": made, "limit": 1}, headers=tenant.admin)
        cursor = first.json()["next_cursor"]
        response = await tenant.http.get(
            PATH, params={"sort": asked, "cursor": cursor}, headers=tenant.admin
        )
        problem = assert_problem(response, 422)
        assert f"sort={made}" in problem["detail"], problem
