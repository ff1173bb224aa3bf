"""The paths cut from the event stream (PERF-3) are the paths of the straightforward
query they replaced: a row per path, joined and grouped in SQL, kept here as the
reference. Random journeys with ties on the hour: touches at a conversion's very instant,
at the lookback's edge, conversions before the period, visitors buying twice."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.state import Resources
from shared.attribution.build import NONE, Built, build
from shared.attribution.paths import Paths, from_lists
from shared.db import partitions
from shared.events.models import TOUCHPOINTS, EventType
from tests.conftest import TenantFactory

#: The query PERF-3 replaced (issue 19): converting paths by a join per conversion,
#: the others by an anti-join, one row per path, sorted and aggregated in SQL.
REFERENCE = sa.text(
    f"""
    WITH conv AS (
        SELECT visitor_id, occurred_at, event_id, coalesce(value, 0) AS value
        FROM events
        WHERE workspace_id = :workspace AND type = ANY(:conversions)
          AND occurred_at >= :start AND occurred_at < :end
    ), touches AS (
        SELECT true AS converted, c.visitor_id, c.occurred_at AS ends_at, c.event_id AS path,
               round(c.value * :minor)::bigint AS cents, t.channel, t.campaign_id,
               t.content_item_id, t.occurred_at AS touched_at
        FROM conv c
        LEFT JOIN events t
          ON t.workspace_id = :workspace AND t.visitor_id = c.visitor_id
         AND t.type = ANY(:touchpoints)
         AND t.occurred_at < c.occurred_at
         AND t.occurred_at >= c.occurred_at - CAST(:lookback AS interval)
         AND t.occurred_at >= :touch_start
        UNION ALL
        SELECT false, t.visitor_id, CAST(:end AS timestamptz), t.visitor_id, 0, t.channel,
               t.campaign_id, t.content_item_id, t.occurred_at
        FROM events t
        WHERE t.workspace_id = :workspace AND t.type = ANY(:touchpoints)
          AND t.occurred_at >= :touch_start AND t.occurred_at < :end
          AND NOT EXISTS (
              SELECT 1 FROM events c
              WHERE c.workspace_id = :workspace AND c.visitor_id = t.visitor_id
                AND c.type = ANY(:conversions)
                AND c.occurred_at >= :start AND c.occurred_at < :end
          )
    )
    SELECT max(cents) AS cents,
           array_agg(channel ORDER BY touched_at) AS channels,
           array_agg(coalesce(campaign_id::text, '{NONE}') ORDER BY touched_at) AS campaigns,
           array_agg(coalesce(content_item_id::text, '{NONE}') ORDER BY touched_at)
               AS contents,
           array_agg(extract(epoch FROM ends_at - touched_at)::float8 / 86400.0
                     ORDER BY touched_at) AS days,
           converted
    FROM touches
    GROUP BY converted, visitor_id, ends_at, path
    """
)

Journey = tuple[bool, int, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[float, ...]]


async def reference(
    session: AsyncSession,
    workspace: uuid.UUID,
    start: datetime,
    end: datetime,
    conversions: Sequence[EventType],
    lookback_days: int,
    places: int,
) -> tuple[list[Journey], int, int]:
    """Every path as (converted, cents, channels, campaigns, contents, days), sorted;
    the direct conversions and their cents."""
    rows = (
        await session.execute(
            REFERENCE,
            {
                "workspace": workspace,
                "start": start,
                "end": end,
                "lookback": timedelta(days=lookback_days),
                "touch_start": start - timedelta(days=lookback_days),
                "conversions": [t.value for t in conversions],
                "touchpoints": sorted(t.value for t in TOUCHPOINTS),
                "minor": 10**places,
            },
        )
    ).all()
    journeys = [
        (r.converted, r.cents, *(tuple(a) for a in (r.channels, r.campaigns, r.contents, r.days)))
        for r in rows
        if r.channels[0] is not None
    ]
    direct = [r.cents for r in rows if r.channels[0] is None]
    return sorted(journeys), len(direct), sum(direct)


def journeys(built: Built) -> list[Journey]:
    def labelled(paths: Paths, p: int) -> tuple[str, ...]:
        keys = paths.keys[paths.starts[p] : paths.starts[p + 1]]
        return tuple(paths.labels[k] for k in keys.tolist())

    channel = built.channel
    return sorted(
        (
            bool(channel.converted[p]),
            int(channel.values[p]),
            labelled(channel, p),
            labelled(built.campaign, p),
            labelled(built.content_item, p),
            tuple(channel.days_before[channel.starts[p] : channel.starts[p + 1]].tolist()),
        )
        for p in range(len(channel))
    )


NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def random_events(workspace: uuid.UUID, rng: random.Random) -> list[dict[str, Any]]:
    """Events on the hour over 80 days, so instants coincide."""
    campaigns = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(3)]
    kinds = [*sorted(TOUCHPOINTS), EventType.purchase, EventType.lead, EventType.add_to_cart]
    events = []
    for v in range(60):
        for n in range(rng.randint(0, 9)):
            kind = rng.choice(kinds)
            valued = kind not in TOUCHPOINTS
            events.append(
                {
                    "workspace_id": workspace,
                    "event_id": f"e{v}-{n}",
                    "occurred_at": NOW - timedelta(hours=rng.randint(0, 80 * 24)),
                    "visitor_id": f"visitor {v % 37}" if v < 55 else f"v\t{v}",
                    "type": kind.value,
                    "channel": rng.choice(["email", "instagram", "search", "tiktok"]),
                    "campaign_id": rng.choice([None, *campaigns]),
                    "content_item_id": rng.choice([None, None, campaigns[0]]),
                    "value": (
                        rng.choice([None, Decimal(rng.randint(0, 99999)) / 1000])
                        if valued
                        else None
                    ),
                }
            )
    return events


@pytest.mark.parametrize(
    ("days", "lookback", "conversions", "places"),
    [
        (30, 7, [EventType.purchase], 2),
        (45, 30, [EventType.purchase, EventType.lead], 3),
        (5, 1, [EventType.add_to_cart], 0),
    ],
)
async def test_paths_from_the_stream_are_the_reference_query_s(
    make_tenant: TenantFactory,
    resources: Resources,
    days: int,
    lookback: int,
    conversions: list[EventType],
    places: int,
) -> None:
    rng = random.Random(days)
    ours = uuid.UUID((await make_tenant()).id)
    theirs = uuid.UUID((await make_tenant()).id)
    events = random_events(ours, rng) + random_events(theirs, rng)
    # A touch at a conversion's very instant is not on its path; one at the lookback's
    # edge is.
    bought = NOW - timedelta(days=2)
    for n, (kind, at) in enumerate(
        [
            (EventType.purchase, bought),
            (EventType.click, bought),
            (EventType.visit, bought - timedelta(days=lookback)),
            (EventType.visit, bought - timedelta(days=lookback, microseconds=1)),
        ]
    ):
        events.append(
            events[0]
            | {
                "event_id": f"edge{n}",
                "visitor_id": "edge",
                "type": kind.value,
                "occurred_at": at,
                "channel": "edge",
                "value": Decimal("12.345") if kind == EventType.purchase else None,
            }
        )
    async with resources.sessionmaker() as session:
        await partitions.ensure(
            session, "events", partitions.months_between(NOW - timedelta(days=200), NOW)
        )
        await session.execute(
            sa.text(
                "INSERT INTO events (workspace_id, event_id, occurred_at, visitor_id, type, "
                "channel, campaign_id, content_item_id, value) VALUES (:workspace_id, "
                ":event_id, :occurred_at, :visitor_id, :type, :channel, :campaign_id, "
                ":content_item_id, :value)"
            ),
            events,
        )
        await session.commit()
        start, end = NOW - timedelta(days=days), NOW - timedelta(hours=5)
        built = await build(session, ours, start, end, conversions, lookback, places)
        expected, direct, direct_cents = await reference(
            session, ours, start, end, conversions, lookback, places
        )
    assert journeys(built) == expected
    assert (built.direct_conversions, built.direct_cents) == (direct, direct_cents)
    assert built.places == places
    assert len(expected) >= 5
    # The edge visitor's purchase, when counted, is one path: the lookback edge's visit.
    edge = [(j[0], j[2], j[5]) for j in expected if "edge" in j[2]]
    if EventType.purchase in conversions:
        assert (True, ("edge",), (float(lookback),)) in edge
    else:
        assert [len(channels) for _, channels, _ in edge] == [3]
    for dimension in (built.channel, built.campaign, built.content_item):
        assert list(dimension.labels) == sorted(dimension.labels)
        assert np.array_equal(np.unique(dimension.keys), np.arange(len(dimension.labels)))


async def test_no_events_build_no_paths(make_tenant: TenantFactory, resources: Resources) -> None:
    workspace = uuid.UUID((await make_tenant()).id)
    async with resources.sessionmaker() as session:
        built = await build(
            session, workspace, NOW - timedelta(days=7), NOW, [EventType.purchase], 30
        )
    empty = from_lists([], [])
    assert (built.path_count, built.conversion_count, built.direct_cents) == (0, 0, 0)
    for dimension in (built.channel, built.campaign, built.content_item):
        assert (len(dimension), list(dimension.labels)) == (0, list(empty.labels))
        assert dimension.starts.tolist() == [0]
