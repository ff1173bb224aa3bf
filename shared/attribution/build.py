"""Conversion paths from the events table (ATT-1), in SQL, into numpy columns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.attribution.paths import Paths, floats, ints
from shared.db import partitions
from shared.events.models import TOUCHPOINTS, EventType, TrackedEvent

NONE = "(none)"
DIRECT = "direct"

#: Every touchpoint of every path, oldest first within its path: converting paths (a
#: conversion of the period and the visitor's touchpoints in the lookback window before
#: it; none at all: a direct conversion) then the visitors who did not convert in the
#: period (their touchpoints in the lookback window before its end). Every lookup is by
#: the (workspace, visitor, time) index, whatever the statistics say: over 200,000 fresh
#: events not yet analysed, an anti-join against a CTE the planner guessed at one row
#: ran as a nested loop for 63 s.
_PATHS = sa.text(
    """
    WITH conv AS (
        SELECT visitor_id, occurred_at, event_id, coalesce(value, 0) AS value
        FROM events
        WHERE workspace_id = :workspace AND type = ANY(:conversions)
          AND occurred_at >= :start AND occurred_at < :end
    )
    SELECT true AS converted, c.visitor_id, c.occurred_at AS ends_at, c.event_id AS path,
           (c.value * 100)::bigint AS cents, t.channel, t.campaign_id, t.content_item_id,
           extract(epoch FROM c.occurred_at - t.occurred_at) / 86400.0 AS days,
           t.occurred_at AS touched_at
    FROM conv c
    LEFT JOIN events t
      ON t.workspace_id = :workspace AND t.visitor_id = c.visitor_id
     AND t.type = ANY(:touchpoints)
     AND t.occurred_at < c.occurred_at
     AND t.occurred_at >= c.occurred_at - CAST(:lookback AS interval)
     AND t.occurred_at >= :touch_start
    UNION ALL
    SELECT false, t.visitor_id, CAST(:end AS timestamptz), t.visitor_id, 0, t.channel,
           t.campaign_id, t.content_item_id,
           extract(epoch FROM CAST(:end AS timestamptz) - t.occurred_at) / 86400.0,
           t.occurred_at
    FROM events t
    WHERE t.workspace_id = :workspace AND t.type = ANY(:touchpoints)
      AND t.occurred_at >= :null_start AND t.occurred_at < :end
      AND NOT EXISTS (
          SELECT 1 FROM events c
          WHERE c.workspace_id = :workspace AND c.visitor_id = t.visitor_id
            AND c.type = ANY(:conversions)
            AND c.occurred_at >= :start AND c.occurred_at < :end
      )
    ORDER BY converted DESC, visitor_id, ends_at, path, touched_at
    """
)


@dataclass(frozen=True)
class Built:
    """The paths with a touchpoint, keyed three ways, and the direct conversions."""

    channel: Paths
    campaign: Paths
    content_item: Paths
    direct_conversions: int
    direct_cents: int

    @property
    def path_count(self) -> int:
        return len(self.channel) + self.direct_conversions

    @property
    def conversion_count(self) -> int:
        return int(self.channel.converted.sum()) + self.direct_conversions


#: A partition whose rows changed by more than this share since its last ANALYZE.
STALE = 0.1


async def analyse_stale(session: AsyncSession, months: Sequence[datetime]) -> list[str]:
    """ANALYZE the run's event partitions whose statistics are stale: on a fresh
    partition the planner takes 200,000 events for a handful and picks the wrong index
    for the visitor lookups (180 s instead of 1 s, measured). Autovacuum gets there,
    but later than a run that follows a big import."""
    names = [partitions.partition_name(TrackedEvent.__tablename__, m) for m in months]
    stale = list(
        await session.scalars(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:names) "
                "AND n_mod_since_analyze > greatest(n_live_tup, 1000) * :share"
            ),
            {"names": names, "share": STALE},
        )
    )
    for name in stale:
        await session.execute(sa.text(f'ANALYZE "{name}"'))
    return stale


def _keyed(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    labels, ids = np.unique(np.array(values, dtype=object), return_inverse=True)
    return [str(label) for label in labels], ids.astype(np.int64)


async def build(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    conversion_types: Sequence[EventType],
    lookback_days: int,
) -> Built:
    await analyse_stale(
        session, partitions.months_between(start - timedelta(days=lookback_days), end)
    )
    result = await session.execute(
        _PATHS,
        {
            "workspace": workspace_id,
            "start": start,
            "end": end,
            "lookback": timedelta(days=lookback_days),
            "touch_start": start - timedelta(days=lookback_days),
            "null_start": end - timedelta(days=lookback_days),
            "conversions": [t.value for t in conversion_types],
            "touchpoints": sorted(t.value for t in TOUCHPOINTS),
        },
    )
    channels: list[str] = []
    campaigns: list[str] = []
    contents: list[str] = []
    days: list[float] = []
    starts = [0]
    converted: list[bool] = []
    values: list[int] = []
    direct = direct_cents = 0
    current: tuple[object, ...] | None = None
    for row in result:
        key = (row.converted, row.visitor_id, row.ends_at, row.path)
        if row.channel is None:  # a conversion without any touchpoint
            direct += 1
            direct_cents += int(row.cents)
            continue
        if key != current:
            if current is not None:
                starts.append(len(channels))
            current = key
            converted.append(bool(row.converted))
            values.append(int(row.cents))
        channels.append(row.channel)
        campaigns.append(NONE if row.campaign_id is None else str(row.campaign_id))
        contents.append(NONE if row.content_item_id is None else str(row.content_item_id))
        days.append(float(row.days))
    if current is not None:
        starts.append(len(channels))
    bounds = ints(np.array(starts if current is not None else [0], dtype=np.int64))
    flags = np.array(converted, dtype=np.bool_)
    cents = ints(np.array(values, dtype=np.int64))
    before = floats(np.array(days, dtype=np.float64))

    def paths(keys: Sequence[str]) -> Paths:
        labels, ids = _keyed(keys)
        return Paths(ints(ids), before, bounds, flags, cents, labels)

    return Built(paths(channels), paths(campaigns), paths(contents), direct, direct_cents)
