"""Crisis levels (CRI-1..CRI-3) as pure functions over counts: no clock, no I/O.

`measure` turns a window's counts and its baseline into the CRI-2 metrics; `level`
picks the highest level that holds; `decide` says what happens to the policy's alert.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

#: A level's name: lower-case letters, digits and underscores.
LEVEL_NAME = r"^[a-z][a-z0-9_]*$"


class LevelRule(BaseModel):
    """A level holds when every threshold it gives is met (>=)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # `check_levels` in JSON Schema: at least one threshold that is not null, said as
        # "not every threshold null or absent": a top-level anyOf reads, to client
        # generators, as a union of its branches alone (a rule type without its `level`).
        json_schema_extra={
            "not": {
                "properties": {
                    name: {"type": "null"}
                    for name in ("negative_share", "volume_ratio", "weighted_negative_share")
                },
                "additionalProperties": True,
            }
        },
    )

    level: str = Field(min_length=1, max_length=40, pattern=LEVEL_NAME)
    negative_share: StrictFloat | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    volume_ratio: StrictFloat | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    weighted_negative_share: StrictFloat | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False
    )


#: CRI-1's defaults, lowest first.
DEFAULT_LEVELS = (
    LevelRule(level="watch", negative_share=0.30),
    LevelRule(level="alert", negative_share=0.45, volume_ratio=2),
    LevelRule(level="crisis", negative_share=0.60, volume_ratio=3),
)


@dataclass(frozen=True, slots=True)
class Counts:
    """What the database counts over a policy's mentions."""

    window_minutes: int
    mentions: int
    negatives: int
    #: Sums of log10(10 + author_followers) over the window's mentions, and its negatives.
    weight: float
    negative_weight: float
    sentiment_sum: float
    baseline_mentions: int
    baseline_minutes: float


class Metrics(BaseModel):
    """CRI-2's figures for one window, as stored with the alert at each step."""

    model_config = ConfigDict(frozen=True)

    mention_count: int
    negative_count: int
    negative_share: float | None
    weighted_negative_share: float | None
    avg_sentiment: float | None
    expected_count: float | None = Field(
        description="Mentions a window this long has on average over the baseline."
    )
    volume_ratio: float | None


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def measure(counts: Counts) -> Metrics:
    """No mention in the baseline, no expected volume: `volume_ratio` is null and the
    levels that need it do not hold (CRI-2)."""
    expected = (
        counts.baseline_mentions / counts.baseline_minutes * counts.window_minutes
        if counts.baseline_minutes > 0 and counts.baseline_mentions > 0
        else None
    )
    return Metrics(
        mention_count=counts.mentions,
        negative_count=counts.negatives,
        negative_share=_share(counts.negatives, counts.mentions),
        weighted_negative_share=_share(counts.negative_weight, counts.weight),
        avg_sentiment=_share(counts.sentiment_sum, counts.mentions),
        expected_count=None if expected is None else round(expected, 6),
        volume_ratio=None if expected is None else round(counts.mentions / expected, 6),
    )


def holds(rule: LevelRule, metrics: Metrics) -> bool:
    pairs = (
        (rule.negative_share, metrics.negative_share),
        (rule.volume_ratio, metrics.volume_ratio),
        (rule.weighted_negative_share, metrics.weighted_negative_share),
    )
    return all(
        threshold is None or (value is not None and value >= threshold)
        for threshold, value in pairs
    )


def level(metrics: Metrics, rules: Sequence[LevelRule], min_mentions: int) -> str | None:
    """The highest level that holds, or None; nothing holds under `min_mentions`."""
    if metrics.mention_count < min_mentions:
        return None
    held = [rule.level for rule in rules if holds(rule, metrics)]
    return held[-1] if held else None


def rank(rules: Sequence[LevelRule], name: str) -> int:
    return next(i for i, rule in enumerate(rules) if rule.level == name)


class Action(enum.StrEnum):
    none = "none"
    open = "open"
    escalate = "escalate"
    hold = "hold"  # a level holds at or below the alert's: the cooldown starts again
    resolve = "resolve"


@dataclass(frozen=True, slots=True)
class OpenAlert:
    level: str
    acknowledged: bool
    last_held_at: datetime


def decide(
    current: str | None,
    alert: OpenAlert | None,
    rules: Sequence[LevelRule],
    cooldown: timedelta,
    now: datetime,
) -> Action:
    """CRI-3: open on a level; escalate to a higher one, never lower automatically;
    resolve when no level has held for the cooldown, unless acknowledged."""
    if alert is None:
        return Action.none if current is None else Action.open
    if current is not None:
        if rank(rules, current) > rank(rules, alert.level):
            return Action.escalate
        return Action.hold
    if not alert.acknowledged and now - alert.last_held_at >= cooldown:
        return Action.resolve
    return Action.none
