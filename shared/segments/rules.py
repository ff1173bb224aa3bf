"""Retargeting rules (SEG-1, SEG-2) compiled to one set-based query: one scan of the
rule's longest window, grouped by visitor, with a counter per condition.

Pure: returns the SQL text and its parameters; nothing here touches a database.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.audiences.schemas import Condition, SegmentRule
from shared.events.models import TOUCHPOINTS


class Tier(enum.StrEnum):
    cold = "cold"
    warm = "warm"
    hot = "hot"


#: SEG-2: touchpoints in the rule's longest window.
TIERS = ((7, Tier.hot), (3, Tier.warm), (1, Tier.cold))


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: dict[str, Any]


def longest_days(rule: SegmentRule) -> int:
    return max(c.within_days for c in (*rule.include, *rule.exclude))


def _filter(name: str, condition: Condition, params: dict[str, Any], now: datetime) -> str:
    params[f"{name}_type"] = condition.event.value
    params[f"{name}_since"] = now - timedelta(days=condition.within_days)
    parts = [f"type = :{name}_type", f"occurred_at >= :{name}_since"]
    if condition.channel is not None:
        params[f"{name}_channel"] = condition.channel
        parts.append(f"channel = :{name}_channel")
    if condition.campaign_id is not None:
        params[f"{name}_campaign"] = condition.campaign_id
        parts.append(f"campaign_id = :{name}_campaign")
    return " AND ".join(parts)


def members(rule: SegmentRule, workspace_id: uuid.UUID, now: datetime) -> Compiled:
    """`SELECT visitor_id, touches, tier`: the visitors matching every include and no
    exclude as of `now`, with their touchpoints in the longest window and their tier
    (null without `tiers`)."""
    params: dict[str, Any] = {
        "workspace": workspace_id,
        "now": now,
        "oldest": now - timedelta(days=longest_days(rule)),
        "touchpoints": sorted(t.value for t in TOUCHPOINTS),
    }
    counters = []
    tests = []
    for part, conditions in (("inc", rule.include), ("exc", rule.exclude)):
        for i, condition in enumerate(conditions):
            name = f"{part}{i}"
            counters.append(
                f"count(*) FILTER (WHERE {_filter(name, condition, params, now)}) AS {name}"
            )
            params[f"{name}_min"] = condition.min_count
            test = f"{name} >= :{name}_min"
            tests.append(test if part == "inc" else f"NOT ({test})")
    tiering = (
        "CASE "
        + " ".join(f"WHEN touches >= {least} THEN '{name}'" for least, name in TIERS)
        + " END"
        if rule.tiers
        else "NULL"
    )
    sql = f"""
        SELECT visitor_id, touches, {tiering} AS tier
        FROM (
            SELECT visitor_id,
                   count(*) FILTER (WHERE type = ANY(:touchpoints)) AS touches,
                   {", ".join(counters)}
            FROM events
            WHERE workspace_id = :workspace AND occurred_at >= :oldest AND occurred_at < :now
            GROUP BY visitor_id
        ) per_visitor
        WHERE {" AND ".join(tests)}
    """
    return Compiled(sql, params)
