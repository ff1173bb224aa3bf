"""Daily snapshots starting at midnight in the workspace's zone, as ad platforms report an
ad account's days, or at midnight UTC: each comes back under the day it reports, by day,
week and month, from the rollups and from the raw snapshots alike, across DST nights."""

from __future__ import annotations

import uuid

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.kpis import kpis, load, rows_by_group
from tests.helpers.metrics import ingest, row
from tests.helpers.problems import assert_problem


async def impressions_by(tenant: Tenant, group_by: str, **window: str) -> dict[str, int]:
    lines = await rows_by_group(tenant, group_by, **window)
    return {key: line["counters"]["impressions"] for key, line in lines.items()}


async def total(tenant: Tenant, **window: str) -> int | None:
    """Impressions in the window from the rollups (whole local days) and from the raw
    snapshots (`group_by=content_item` reads them directly): both must agree."""
    found = (await kpis(tenant, **window))["items"]
    by_item = (await kpis(tenant, group_by="content_item", **window))["items"]
    raw = sum(item["counters"]["impressions"] for item in by_item) if by_item else None
    rolled = found[0]["counters"]["impressions"] if found else None
    assert rolled == raw, window
    return rolled


async def post_days(
    tenant: Tenant, resources: Resources, settings: Settings, days: dict[str, int]
) -> factories.ContentItem:
    """A new content item of the workspace, with a day snapshot per start."""
    account = await factories.social_account(tenant, external_id=str(uuid.uuid4()))
    item = await factories.content_item(tenant, account)
    rows = [row(item, period_start=start, impressions=n) for start, n in days.items()]
    await load(tenant, resources, settings, rows)
    return item


async def test_a_paris_workspace_gets_its_platforms_paris_days_back(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    paris = await make_tenant(timezone="Europe/Paris")
    await post_days(
        paris,
        resources,
        settings,
        {
            "2026-03-28T00:00:00+01:00": 1,
            "2026-03-29T00:00:00+01:00": 2,  # 23 hours: clocks go forward at 02:00
            "2026-03-30T00:00:00+02:00": 4,
            "2026-10-24T00:00:00+02:00": 8,
            "2026-10-25T00:00:00+02:00": 16,  # 25 hours: clocks go back at 03:00
            "2026-10-26T00:00:00+01:00": 32,
            "2026-11-02T00:00:00Z": 64,  # a UTC day still counts, on its date
        },
    )
    assert await impressions_by(paris, "day") == {
        "2026-03-28": 1,
        "2026-03-29": 2,
        "2026-03-30": 4,
        "2026-10-24": 8,
        "2026-10-25": 16,
        "2026-10-26": 32,
        "2026-11-02": 64,
    }
    assert await impressions_by(paris, "week") == {
        "2026-03-23": 3,  # Saturday 28 and Sunday 29 March
        "2026-03-30": 4,
        "2026-10-19": 24,
        "2026-10-26": 32,
        "2026-11-02": 64,
    }
    assert await impressions_by(paris, "month") == {
        "2026-03-01": 7,
        "2026-10-01": 56,
        "2026-11-01": 64,
    }
    # Windows between local midnights hold exactly the short and the long day.
    short_day = {"from": "2026-03-29T00:00:00+01:00", "to": "2026-03-30T00:00:00+02:00"}
    long_day = {"from": "2026-10-25T00:00:00+02:00", "to": "2026-10-26T00:00:00+01:00"}
    assert await total(paris, **short_day) == 2
    assert await total(paris, **long_day) == 16
    assert await total(paris, **{"from": "2026-03-29T00:00:00+01:00"}) == 126
    assert await total(paris, to="2026-10-25T00:00:00+02:00") == 15
    assert await total(paris, **{"from": "2026-10-01T00:00:00+02:00"}) == 120  # months


async def test_a_new_york_workspace_gets_local_and_utc_days_back_on_their_dates(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    new_york = await make_tenant(timezone="America/New_York")
    await post_days(
        new_york,
        resources,
        settings,
        {
            "2026-03-07T00:00:00-05:00": 1,
            "2026-03-08T00:00:00-05:00": 2,  # 23 hours
            "2026-03-09T00:00:00-04:00": 4,
            "2026-10-31T00:00:00-04:00": 8,
            "2026-11-01T00:00:00-04:00": 16,  # 25 hours
            "2026-11-02T00:00:00-05:00": 32,
        },
    )
    # UTC days begin the evening before in New York: they report under their own date.
    await post_days(
        new_york,
        resources,
        settings,
        {"2026-03-08T00:00:00Z": 64, "2026-11-01T00:00:00Z": 128, "2026-11-02T00:00:00Z": 256},
    )
    assert await impressions_by(new_york, "day") == {
        "2026-03-07": 1,
        "2026-03-08": 66,
        "2026-03-09": 4,
        "2026-10-31": 8,
        "2026-11-01": 144,
        "2026-11-02": 288,
    }
    assert await impressions_by(new_york, "week") == {
        "2026-03-02": 67,
        "2026-03-09": 4,
        "2026-10-26": 152,  # Saturday 31 October and Sunday 1 November
        "2026-11-02": 288,
    }
    assert await impressions_by(new_york, "month") == {
        "2026-03-01": 71,
        "2026-10-01": 8,
        "2026-11-01": 432,
    }
    long_day = {"from": "2026-11-01T00:00:00-04:00", "to": "2026-11-02T00:00:00-05:00"}
    short_day = {"from": "2026-03-08T00:00:00-05:00", "to": "2026-03-09T00:00:00-04:00"}
    assert await total(new_york, **long_day) == 144
    assert await total(new_york, **short_day) == 66
    # A UTC window of 1 November holds the days that report 1 November.
    assert (
        await total(new_york, **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"})
        == 144
    )
    assert await total(new_york, **{"from": "2026-11-01T00:00:00Z"}) == 432
    assert await total(new_york, to="2026-11-01T00:00:00-04:00") == 79


async def test_a_day_starting_at_neither_midnight_is_refused(tenant: Tenant) -> None:
    moved = await tenant.http.patch(
        "/v1/workspace", json={"timezone": "America/New_York"}, headers=tenant.admin
    )
    assert moved.status_code == 200, moved.text
    item = await factories.content_item(tenant, await factories.social_account(tenant))
    rows = [
        row(item, period_start="2026-11-02T00:00:00-05:00"),  # New York
        row(item, period_start="2026-11-03T00:00:00Z"),  # UTC
        row(item, period_start="2026-11-04T00:00:00+01:00"),  # Paris: neither here
        row(item, period_start="2026-11-04T05:00:00+05:30", granularity="hour"),  # 23:30Z
    ]
    problem = assert_problem(await ingest(tenant, rows), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert [(e["loc"][2:], e["type"]) for e in errors] == [
        ([2, "period_start"], "unaligned_period"),
        ([3, "period_start"], "unaligned_period"),
    ]
    assert "America/New_York" in errors[0]["msg"]
    accepted = await ingest(tenant, rows[:2])
    assert accepted.status_code == 202, accepted.text
