"""Conversion paths from the events table (ATT-1), in SQL, into numpy columns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.attribution.paths import Bools, Ints, Paths, floats, ints
from shared.cycles import collector_paused
from shared.db import partitions
from shared.events.models import TOUCHPOINTS, EventType, TrackedEvent

NONE = "(none)"
DIRECT = "direct"

#: The run's events as one stream in (visitor, time) order, touchpoints and conversions
#: alike, from the lookback before the period's start to its end: the order of the
#: (workspace, visitor, time) index, so PostgreSQL walks it and aggregates with no sort
#: (the earlier query, a row per path, sorted 4 million rows on disk: 8.5 s of a 16.6 s
#: run). Paths are cut from the stream in numpy: a visitor's touches before each
#: conversion of the period, and a visitor with none, all of them.
#: A few values for the whole stream: a fixed-width record per event (its time, and
#: whether it is a conversion, has a campaign, has a content item) that numpy reads as it
#: is; the campaigns, content items and conversion values only where there are some
#: (`string_agg` skips NULLs); the visitors and channels as separated text. No Python
#: object per value but the strings; `\x1f` appears in neither (visitor ids are
#: printable, channels match CHANNEL). Every aggregate has the same ORDER BY, so
#: PostgreSQL (16, presorted aggregates) feeds them one input in one order and their
#: values line up, ties included; an aggregate sorting on its own could order ties
#: otherwise.
_STREAM = sa.text(
    """
    SELECT string_agg(visitor_id, E'\\x1f' ORDER BY visitor_id, occurred_at) AS visitors,
           string_agg(channel, E'\\x1f' ORDER BY visitor_id, occurred_at) AS channels,
           string_agg(
               timestamptz_send(occurred_at) || int2send(
                   CAST(CASE WHEN type = ANY(:conversions) THEN 1 ELSE 0 END
                        + CASE WHEN campaign_id IS NULL THEN 0 ELSE 2 END
                        + CASE WHEN content_item_id IS NULL THEN 0 ELSE 4 END AS int2)),
               '' ORDER BY visitor_id, occurred_at) AS records,
           string_agg(uuid_send(campaign_id), '' ORDER BY visitor_id, occurred_at)
               AS campaigns,
           string_agg(uuid_send(content_item_id), '' ORDER BY visitor_id, occurred_at)
               AS contents,
           string_agg(
               int8send(CASE WHEN type = ANY(:conversions)
                        THEN round(coalesce(value, 0) * :minor)::bigint END),
               '' ORDER BY visitor_id, occurred_at) AS cents
    FROM events
    WHERE workspace_id = :workspace AND type = ANY(:types)
      AND occurred_at >= :touch_start AND occurred_at < :end
    """
)
#: One record of `_STREAM`: `timestamptz_send` is microseconds since 2000-01-01 UTC.
_RECORD = np.dtype([("at", ">i8"), ("flags", ">i2")])
_CONVERSION, _CAMPAIGN, _CONTENT = 1, 2, 4
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_SEPARATOR = "\x1f"
_DAY_US = 86_400_000_000


def _micros(moment: datetime) -> int:
    """`moment` as `timestamptz_send` writes it."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


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


def _labelled(present: Bools, packed: bytes | None) -> tuple[list[str], Ints]:
    """Key ids of the events' UUIDs (16 bytes each in `packed`, one per event where
    `present`), `(none)` elsewhere, numbered in label order."""
    packed = packed or b""
    found = [str(uuid.UUID(bytes=packed[i : i + 16])) for i in range(0, len(packed), 16)]
    if len(found) != int(present.sum()):
        raise ValueError("as many UUIDs as events that have one")
    labels, ids = _keyed(found)
    if len(found) == len(present):
        return labels, ids
    # "(none)" sorts before any UUID's hex digits: it is key 0.
    out = np.zeros(len(present), dtype=np.int64)
    out[present] = ids + 1
    return [NONE, *labels], ints(out)


def _compact(labels: list[str], ids: Ints) -> tuple[list[str], Ints]:
    """Only the labels some touchpoint has, renumbered in the same order."""
    used = np.zeros(len(labels), dtype=np.bool_)
    used[ids] = True
    if used.all():
        return labels, ids
    renumber = np.cumsum(used) - 1
    return [label for label, keep in zip(labels, used, strict=True) if keep], ints(renumber[ids])


def _spans(firsts: Ints, counts: Ints) -> Ints:
    """The indices `firsts[i] .. firsts[i] + counts[i] - 1`, run after run."""
    total = int(counts.sum())
    offsets = np.repeat(firsts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return ints(offsets + np.arange(total, dtype=np.int64))


def _built(
    visitors: str | None,
    channels: str | None,
    records: bytes | None,
    campaigns: bytes | None,
    contents: bytes | None,
    cents: bytes | None,
    *,
    start: datetime,
    end: datetime,
    lookback_days: int,
    places: int,
) -> Built:
    """The paths cut from the stream: converting ones (each conversion of the period, the
    visitor's touchpoints in the lookback before it) then the visitors who did not convert
    in the period (their touchpoints of the whole stream), each in stream order."""
    stream = np.frombuffer(records or b"", dtype=_RECORD)
    names = visitors.split(_SEPARATOR) if visitors is not None else []
    kinds = channels.split(_SEPARATOR) if channels is not None else []
    if not len(names) == len(kinds) == len(stream):
        raise ValueError("a separator inside a visitor id or a channel")
    at = stream["at"].astype(np.int64)
    flags = stream["flags"].astype(np.int64)
    conversion = (flags & _CONVERSION).astype(np.bool_)
    # Visitor number of each event: the stream is in visitor order.
    new = np.ones(len(names), dtype=np.bool_)
    if len(names) > 1:
        new[1:] = np.fromiter(map(str.__ne__, names[1:], names[:-1]), np.bool_, len(names) - 1)
    visitor = np.cumsum(new) - 1
    counted = np.flatnonzero(conversion & (at >= _micros(start)))
    touches = np.flatnonzero(~conversion)
    bought = np.zeros(int(visitor[-1]) + 1 if len(visitor) else 0, dtype=np.bool_)
    bought[visitor[counted]] = True

    # Converting paths: the touches of the buyers (few), ranked together with each
    # conversion's window edges; a query point sorts before a touch at its very instant,
    # so the window is [conversion - lookback, conversion).
    mine = touches[bought[visitor[touches]]]
    lookback = lookback_days * _DAY_US
    points_visitor = np.concatenate((visitor[mine], visitor[counted], visitor[counted]))
    points_at = np.concatenate((at[mine], at[counted] - lookback, at[counted]))
    is_touch = np.concatenate((np.ones(len(mine), np.int64), np.zeros(2 * len(counted), np.int64)))
    order = np.lexsort((is_touch, points_at, points_visitor))
    before = np.empty(len(order), dtype=np.int64)
    before[order] = np.cumsum(is_touch[order]) - is_touch[order]
    low, high = before[len(mine) : len(mine) + len(counted)], before[len(mine) + len(counted) :]
    lengths = high - low
    direct = lengths == 0
    kept = ~direct
    converting = mine[_spans(low[kept], lengths[kept])]
    ends = np.repeat(at[counted][kept], lengths[kept])

    # Paths that did not convert: every touch of a visitor who did not buy.
    others = touches[~bought[visitor[touches]]]
    other_new = np.ones(len(others), dtype=np.bool_)
    other_new[1:] = visitor[others][1:] != visitor[others][:-1]
    other_starts = np.flatnonzero(other_new)

    index = np.concatenate((converting, others))
    starts = ints(
        np.concatenate(
            ([0], np.cumsum(lengths[kept]), len(converting) + other_starts[1:], [len(index)])
        )
        if len(others)
        else np.concatenate(([0], np.cumsum(lengths[kept])))
    )
    until = np.concatenate((ends, np.full(len(others), _micros(end), dtype=np.int64)))
    before_days = floats((until - at[index]) / 1e6 / 86400.0)
    value = np.zeros(len(stream), dtype=np.int64)
    value[conversion] = np.frombuffer(cents or b"", dtype=">i8")
    values = ints(
        np.concatenate((value[counted][kept], np.zeros(len(other_starts), dtype=np.int64)))
    )
    converted = np.concatenate(
        (np.ones(int(kept.sum()), np.bool_), np.zeros(len(other_starts), np.bool_))
    )

    def paths(labels: list[str], ids: Ints) -> Paths:
        labels, ids = _compact(labels, ids[index])
        return Paths(ids, before_days, starts, converted, values, labels)

    return Built(
        paths(*_keyed(kinds)),
        paths(*_labelled((flags & _CAMPAIGN).astype(np.bool_), campaigns)),
        paths(*_labelled((flags & _CONTENT).astype(np.bool_), contents)),
        int(direct.sum()),
        int(value[counted][direct].sum()),
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
    conversions = sorted(t.value for t in conversion_types)
    with collector_paused():
        row = (
            await session.execute(
                _STREAM,
                {
                    "workspace": workspace_id,
                    "end": end,
                    "touch_start": start - timedelta(days=lookback_days),
                    "conversions": conversions,
                    "types": sorted({*conversions, *(t.value for t in TOUCHPOINTS)}),
                    "minor": 10**places,
                },
            )
        ).one()
        return _built(
            row.visitors,
            row.channels,
            row.records,
            row.campaigns,
            row.contents,
            row.cents,
            start=start,
            end=end,
            lookback_days=lookback_days,
            places=places,
        )
