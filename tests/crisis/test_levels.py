"""CRI-1..CRI-3's level logic at every threshold edge (pure: no clock, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.crisis.levels import (
    DEFAULT_LEVELS,
    Action,
    Counts,
    LevelRule,
    OpenAlert,
    decide,
    level,
    measure,
)

NOW = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
WEEK = 7 * 24 * 60


def counts(
    mentions: int, negatives: int, baseline: int = WEEK, *, weight: float = 0.0, neg_w: float = 0.0
) -> Counts:
    """A 60-minute window; a baseline of `baseline` mentions over a week (default: one per
    minute, so 60 expected)."""
    return Counts(
        window_minutes=60,
        mentions=mentions,
        negatives=negatives,
        weight=weight or float(mentions),
        negative_weight=neg_w or float(negatives),
        sentiment_sum=-0.5 * negatives,
        baseline_mentions=baseline,
        baseline_minutes=WEEK,
    )


def test_metrics_follow_the_spec_formulas() -> None:
    m = measure(counts(120, 54, weight=200.0, neg_w=120.0))
    assert m.expected_count == 60
    assert m.volume_ratio == 2
    assert m.negative_share == 0.45
    assert m.weighted_negative_share == 0.6
    assert m.avg_sentiment == round(-27 / 120, 6)


def test_without_a_baseline_volume_ratio_is_null_and_levels_needing_it_do_not_hold() -> None:
    m = measure(counts(500, 400, baseline=0))
    assert (m.expected_count, m.volume_ratio) == (None, None)
    # 80 % negative: "alert" and "crisis" need a volume ratio, so only "watch" holds.
    assert level(m, DEFAULT_LEVELS, 20) == "watch"


@pytest.mark.parametrize(
    ("mentions", "negatives", "expected"),
    [
        (60, 17, None),  # 0.2833 < 0.30
        (60, 18, "watch"),  # exactly 0.30
        (119, 54, "watch"),  # 0.4538 but volume 1.983 < 2
        (120, 53, "watch"),  # volume 2 but 0.4417 < 0.45
        (120, 54, "alert"),  # exactly 0.45 and exactly 2
        (179, 108, "alert"),  # 0.6034 but volume 2.983 < 3
        (180, 107, "alert"),  # volume 3 but 0.5944 < 0.60
        (180, 108, "crisis"),  # exactly 0.60 and exactly 3
        (600, 600, "crisis"),
    ],
)
def test_default_levels_at_their_edges(mentions: int, negatives: int, expected: str | None) -> None:
    assert level(measure(counts(mentions, negatives)), DEFAULT_LEVELS, 20) == expected


def test_min_mentions_is_inclusive() -> None:
    m = measure(counts(20, 20))
    assert level(m, DEFAULT_LEVELS, 20) == "watch"
    assert level(m, DEFAULT_LEVELS, 21) is None


def test_a_level_holds_only_when_all_its_thresholds_hold() -> None:
    rules = [LevelRule(level="vip", negative_share=0.2, weighted_negative_share=0.5)]
    assert level(measure(counts(100, 30, weight=100.0, neg_w=49.0)), rules, 1) is None
    assert level(measure(counts(100, 30, weight=100.0, neg_w=50.0)), rules, 1) == "vip"


def test_the_highest_holding_level_wins_even_if_a_lower_one_does_not_hold() -> None:
    rules = [
        LevelRule(level="low", negative_share=0.9),
        LevelRule(level="high", volume_ratio=5),
    ]
    assert level(measure(counts(300, 0)), rules, 1) == "high"


COOL = timedelta(minutes=120)


def alert(name: str = "watch", *, ack: bool = False, held: timedelta = timedelta()) -> OpenAlert:
    return OpenAlert(level=name, acknowledged=ack, last_held_at=NOW - held)


@pytest.mark.parametrize(
    ("current", "state", "expected"),
    [
        (None, None, Action.none),
        ("watch", None, Action.open),
        ("alert", alert("watch"), Action.escalate),
        ("crisis", alert("alert", ack=True), Action.escalate),
        ("watch", alert("alert"), Action.hold),  # never lowered
        ("alert", alert("alert"), Action.hold),
        (None, alert("alert", held=timedelta(minutes=119, seconds=59)), Action.none),
        (None, alert("alert", held=timedelta(minutes=120)), Action.resolve),
        (None, alert("alert", ack=True, held=timedelta(days=3)), Action.none),
    ],
)
def test_decisions(current: str | None, state: OpenAlert | None, expected: Action) -> None:
    assert decide(current, state, DEFAULT_LEVELS, COOL, NOW) == expected
