"""Conversion paths from the events table (ATT-1), in SQL, into numpy columns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, compress, count
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.attribution.paths import Ints, Paths, floats, ints
from shared.cycles import collector_paused
from shared.db import partitions
from shared.events.models import TOUCHPOINTS, EventType, TrackedEvent

NONE = "(none)"
DIRECT = "direct"

#: One row per path, its touchpoints as arrays, oldest first: converting paths (a
#: conversion of the period and the visitor's touchpoints in the lookback window before
#: it; none at all, a single NULL: a direct conversion) then the visitors who did not
#: convert in the period (their touchpoints from the lookback before its start to its
#: end, like the converting paths' reach: a year's run keeps March's non-buyers).
#: Aggregating in PostgreSQL sends a quarter of the rows and under half the values: with
#: a row per touchpoint, decoding 3.9 million rows and looping over them in Python took
#: about 35 s of a 47 s build (profiled). Every lookup is by the (workspace, visitor, time) index,
#: whatever the statistics say: over 200,000 fresh events not yet analysed, an anti-join
#: against a CTE the planner guessed at one row ran as a nested loop for 63 s.
_PATHS = sa.text(
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
    ORDER BY converted DESC, visitor_id, ends_at, path
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
    #: Values are counted in minor units of the workspace's currency ("cents" of a euro,
    #: millimes of a dinar, whole yen): ISO 4217 places, so 12.345 dinars stay exact.
    places: int = 2

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


def _keyed(values: Iterable[str]) -> tuple[list[str], Ints]:
    """Key ids numbered in label order: a dict pass in C (map over a defaultdict that
    numbers what it has not seen), then a permutation; sorting millions of Python
    strings, as numpy's unique does, took 2.7 s per dimension."""
    codes: defaultdict[str, int] = defaultdict(count().__next__)
    ids = np.fromiter(map(codes.__getitem__, values), dtype=np.int64)
    found = list(codes)
    order = sorted(range(len(found)), key=found.__getitem__)
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found), dtype=np.int64)
    return [found[i] for i in order], ints(rank[ids])


def _built(rows: Sequence[sa.Row[Any]], places: int) -> Built:
    """The rows as numpy columns, keyed three ways (by column: a Row's attribute lookup
    per value cost more than the rest)."""
    cents, *arrays, converted = list(zip(*rows, strict=True)) or [()] * 6
    touched = [path[0] is not None for path in arrays[0]]
    channels, campaigns, contents, days = (list(compress(a, touched)) for a in arrays)
    lengths = np.fromiter(map(len, channels), np.int64, len(channels))
    starts = ints(np.concatenate(([0], np.cumsum(lengths))))
    before = floats(np.fromiter(chain.from_iterable(days), np.float64, int(starts[-1])))
    mask = np.array(touched, dtype=np.bool_)
    flags = np.array(converted, dtype=np.bool_)[mask]
    values = ints(np.array(cents, dtype=np.int64))

    def paths(column: list[list[str]]) -> Paths:
        labels, ids = _keyed(chain.from_iterable(column))
        return Paths(ids, before, starts, flags, values[mask], labels)

    return Built(
        paths(channels),
        paths(campaigns),
        paths(contents),
        int((~mask).sum()),
        int(values[~mask].sum()),
        places,
    )


async def build(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    conversion_types: Sequence[EventType],
    lookback_days: int,
    places: int = 2,
) -> Built:
    await analyse_stale(
        session, partitions.months_between(start - timedelta(days=lookback_days), end)
    )
    with collector_paused():
        result = await session.execute(
            _PATHS,
            {
                "workspace": workspace_id,
                "start": start,
                "end": end,
                "lookback": timedelta(days=lookback_days),
                "touch_start": start - timedelta(days=lookback_days),
                "conversions": [t.value for t in conversion_types],
                "touchpoints": sorted(t.value for t in TOUCHPOINTS),
                "minor": 10**places,
            },
        )
        return _built(result.all(), places)
