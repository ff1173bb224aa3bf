"""A partial day at an edge of a window is read either from its own snapshots or as the
whole day's rollup minus the snapshots of the rest of the day, whichever holds fewer:
both give exactly what the snapshots alone give, for every grouping, and the choice
follows where the day's snapshots start."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.api.state import Resources
from shared.config import Settings
from shared.db.uow import unit_of_work
from shared.kpis import windows
from shared.kpis.queries import GroupBy, Scope, _add_day, _rest_is_lighter, grouped_sums
from tests import factories
from tests.conftest import TenantFactory
from tests.helpers.kpis import load
from tests.helpers.metrics import row

FIRST = datetime(2026, 8, 1, tzinfo=UTC)


def counters(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {"impressions": rng.randrange(100, 5000)}
    for name in ("clicks", "engagements", "conversions", "reach"):
        if rng.random() > 0.25:
            values[name] = rng.randrange(0, 90)
    if rng.random() > 0.5:
        values["spend"] = f"{rng.randrange(0, 10000) / 100:.2f}"
        values["conversion_value"] = f"{rng.randrange(0, 30000) / 100:.2f}"
    return values


async def test_partial_days_read_either_way_equal_the_snapshots(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    paris = await make_tenant(timezone="Europe/Paris")
    rng = random.Random(19)
    account = await factories.social_account(paris)
    campaign = await factories.campaign(paris)
    items = [
        await factories.content_item(paris, account, campaign_id=campaign["id"]),
        await factories.content_item(paris, account, format="reel", paid=True),
    ]
    # Each item's days: two start at midnight UTC (02:00 in Paris in summer), as social
    # platforms report them, two at midnight in Paris, as an ad account in Paris does.
    paris_midnight = timedelta(hours=-2)
    await load(
        paris,
        resources,
        settings,
        [
            row(item, period_start=(FIRST + timedelta(days=d) + shift).isoformat(), **counters(rng))
            for d in range(61)
            for item in items
            for shift in (timedelta(0), paris_midnight)
        ],
    )
    workspace = uuid.UUID(paris.id)
    august = datetime(2026, 8, 10, tzinfo=ZoneInfo("Europe/Paris"))
    september = datetime(2026, 9, 20, tzinfo=ZoneInfo("Europe/Paris"))
    hours = timedelta(hours=1)
    cases = {
        # From 07:00, after the day's four starts: its part holds none. To noon: the rest
        # of the day holds none.
        (august + 7 * hours, september + 12 * hours): [False, True],
        # From and to 01:00, between the midnights and 02:00: two starts on each side,
        # the shorter side read (the rest before 01:00, the part before 01:00).
        (august + hours, september + hours): [True, False],
        # Within one month; across three, from 23:00 before the first snapshot (no start
        # on either side: the shorter is read).
        (august + hours, august + timedelta(days=5) + 3 * hours): [True, True],
        (FIRST - 3 * hours, september.replace(day=1) + 10 * hours): [False, True],
    }
    for (start, end), expected in cases.items():
        scope = Scope(workspace, "Europe/Paris", start, end)
        plan = windows.plan(start, end, scope.timezone)
        async with unit_of_work(resources.sessionmaker, None) as uow:
            connection = await uow.session.connection()
            assert await _rest_is_lighter(connection, scope, plan.edges) == expected
            for group in (GroupBy.none, GroupBy.campaign, GroupBy.day, GroupBy.month):
                fast = await grouped_sums(uow.session, scope, group)
                slow = await grouped_sums(uow.session, scope, group, rollups=False)
                assert fast, (start, end, group)
                assert fast == slow, (start, end, group)


def test_a_day_read_whole_leaves_the_days_taken_from_its_month() -> None:
    d = date
    whole: list[windows.DateRange] = []
    minus: list[windows.DateRange] = [(d(2026, 11, 1), d(2026, 11, 5)), (d(2026, 10, 30), None)]
    _add_day(d(2026, 11, 4), whole, minus)  # the last day taken from November
    assert (whole, minus[0]) == ([], (d(2026, 11, 1), d(2026, 11, 4)))
    minus = [(d(2026, 10, 30), d(2026, 11, 1))]
    _add_day(d(2026, 10, 30), whole, minus)  # the first day taken from October
    assert (whole, minus) == ([], [(d(2026, 10, 31), d(2026, 11, 1))])
    _add_day(d(2026, 10, 31), whole, minus)  # the only one left
    assert (whole, minus) == ([], [])
    _add_day(d(2026, 10, 12), whole, minus)  # in no month read whole: read on its own
    assert (whole, minus) == ([(d(2026, 10, 12), d(2026, 10, 13))], [])
