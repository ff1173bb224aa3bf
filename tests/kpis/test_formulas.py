"""KPI arithmetic on hand-computed numbers, zero and unreported denominators included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.campaigns.models import Objective
from shared.kpis.formulas import (
    Arm,
    Cutoffs,
    Range,
    Stage,
    Verdict,
    ab_metric,
    ab_verdict,
    best_slots,
    coverage,
    funnel,
    leak,
    local_slot,
    matrix_cutoffs,
    median,
    money_ratio,
    pacing,
    quadrant,
    quadrant_counts,
    quadrants,
    ratio,
    reallocation_metric,
    remaining_budget,
    suggested_spend,
    two_proportion_z_test,
)

D = Decimal


def test_ratios_are_exact_decimals_to_six_places() -> None:
    assert ratio(190, 12_840) == D("0.014798")  # 0.0147975... rounds half-even
    assert ratio(1, 3) == D("0.333333")
    assert ratio(D("84.20"), 12_840, scale=1000) == D("6.557632")


def test_a_ratio_with_nothing_to_divide_by_is_none_not_zero_or_infinity() -> None:
    assert ratio(5, 0) is None
    assert ratio(5, None) is None
    assert ratio(None, 100) is None
    assert ratio(0, 100) == D("0")


def test_costs_are_money_in_their_currency_s_places() -> None:
    assert str(money_ratio(D("84.20"), 12_840, scale=1000, currency="EUR")) == "6.56"  # CPM
    assert str(money_ratio(D("100.00"), 3, currency="EUR")) == "33.33"  # CPA
    assert str(money_ratio(D("100"), 3, currency="JPY")) == "33"
    assert str(money_ratio(D("100.000"), 3, currency="TND")) == "33.333"
    assert str(money_ratio(D("0.125"), 1, currency="EUR")) == "0.12"  # half to even
    assert money_ratio(D("10.00"), 0, currency="EUR") is None


def test_coverage_is_the_share_of_reporting_snapshots() -> None:
    assert coverage(3, 4) == D("0.75")
    assert coverage(0, 4) == D("0")
    assert coverage(0, 0) is None


def chain(counts: list[tuple[str, int]], ranges: list[Range]) -> list[Stage]:
    """Stages whose pass rates are the plain ratios of successive totals."""
    return funnel(
        [
            (name, count, ratio(count, counts[i - 1][1]) if i else None)
            for i, (name, count) in enumerate(counts)
        ],
        ranges,
    )


def test_funnel_pass_rates_ranges_and_the_leak() -> None:
    ranges = [
        Range(D("0.03"), D("0.05")),  # impression -> engagement
        Range(D("0.01"), D("0.03")),  # engagement -> click
        Range(D("0.02"), D("0.10")),  # click -> conversion
    ]
    stages = chain(
        [("awareness", 100_000), ("activation", 4_000), ("consideration", 20), ("conversion", 1)],
        ranges,
    )
    assert [s.pass_rate for s in stages] == [None, D("0.04"), D("0.005"), D("0.05")]
    assert [s.position for s in stages] == [None, "within", "below", "within"]
    assert leak(stages) == "consideration"  # 0.005 is 50 % under its 0.01 floor


def test_the_leak_is_the_largest_relative_gap_and_none_when_all_are_in_range() -> None:
    ranges = [Range(D("0.03"), D("0.05")), Range(D("0.01"), D("0.03"))]
    # activation 0.02 is 33 % under 0.03, consideration 0 is 100 % under 0.01.
    stages = chain([("awareness", 1000), ("activation", 20), ("consideration", 0)], ranges)
    assert leak(stages) == "consideration"
    # activation 0.02 is 33 % under 0.03, consideration 0.01 is in its range.
    stages = chain([("awareness", 10_000), ("activation", 200), ("consideration", 2)], ranges)
    assert leak(stages) == "activation"
    stages = chain([("awareness", 1000), ("activation", 40), ("consideration", 1)], ranges)
    assert leak(stages) is None
    stages = chain([("awareness", 0), ("activation", 0)], ranges[:1])
    assert stages[1].pass_rate is None
    assert leak(stages) is None


def test_quadrants_at_their_edges() -> None:
    er, cr = D("0.05"), D("0.02")
    assert quadrant(D("0.05"), D("0.02"), er, cr) == "star"  # at the threshold is high
    assert quadrant(D("0.049999"), D("0.02"), er, cr) == "targeted"
    assert quadrant(D("0.08"), D("0.01"), er, cr) == "viral"
    assert quadrant(D("0.01"), None, er, cr) == "generic"
    assert median([D("0.01"), None, D("0.03"), D("0.02"), D("0.04")]) == D("0.025")
    assert median([None]) is None


def test_two_proportion_z_test_on_a_known_example() -> None:
    # 200/1000 vs 150/1000: pooled 0.175, se = sqrt(0.175*0.825*0.002) = 0.016994,
    # z = 0.05 / 0.016994 = 2.9424, two-sided p = 0.00326.
    result = two_proportion_z_test(200, 1000, 150, 1000)
    assert result is not None
    assert result.z == pytest.approx(2.9424, abs=1e-4)
    assert result.p_value == pytest.approx(0.003257, abs=1e-5)
    assert result.significant()
    close = two_proportion_z_test(52, 1000, 50, 1000)
    assert close is not None
    assert not close.significant()
    assert two_proportion_z_test(0, 0, 5, 10) is None
    assert two_proportion_z_test(0, 10, 0, 10) is None  # no successes anywhere


def test_budget_pacing_is_linear_between_the_flight_dates() -> None:
    starts, ends = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    mid = datetime(2026, 3, 16, tzinfo=UTC)
    paced = pacing(D("15000.00"), D("9000.00"), starts, ends, mid, "EUR")
    assert paced.expected_spend == D("7500.00")
    assert paced.pacing == D("1.2")
    before = pacing(D("15000"), D("0"), starts, ends, datetime(2026, 2, 1, tzinfo=UTC), "JPY")
    assert str(before.expected_spend) == "0"
    assert before.pacing is None  # nothing was due yet
    after = pacing(
        D("15000.00"), D("14000.00"), starts, ends, datetime(2026, 5, 1, tzinfo=UTC), "EUR"
    )
    assert after.expected_spend == D("15000.00")
    assert pacing(None, D("1"), starts, ends, mid, "EUR").pacing is None


def test_matrix_thresholds_are_the_medians_unless_both_are_asked() -> None:
    ers, crs = [D("0.01"), None, D("0.03")], [D("0.2"), D("0.4"), None]
    assert matrix_cutoffs(None, None, ers, crs) == Cutoffs(D("0.02"), D("0.3"), "median")
    assert matrix_cutoffs(D("0.05"), None, ers, crs) == Cutoffs(D("0.05"), D("0.3"), "median")
    assert matrix_cutoffs(D("0.05"), D("0.1"), ers, crs) == Cutoffs(D("0.05"), D("0.1"), "query")
    assert matrix_cutoffs(None, None, [None], []) == Cutoffs(None, None, "median")


def test_quadrants_without_a_threshold_count_every_item_low_on_it() -> None:
    rates = [(D("0.05"), D("0.2")), (D("0.01"), None), (None, D("0.5"))]
    both = Cutoffs(D("0.02"), D("0.3"), "median")
    assert quadrants(rates, both) == ["viral", "generic", "targeted"]
    no_conversion = Cutoffs(D("0.02"), None, "median")
    assert quadrants(rates, no_conversion) == ["viral", "generic", "generic"]
    assert quadrants(rates, Cutoffs(None, None, "median")) == ["generic"] * 3


def test_quadrant_counts_name_every_quadrant() -> None:
    assert quadrant_counts(["star", "viral", "star"]) == {
        "generic": 0,
        "viral": 1,
        "targeted": 0,
        "star": 2,
    }
    assert set(quadrant_counts([]).values()) == {0}


@dataclass(frozen=True)
class Slot:
    weekday: int
    hour: int
    items: int
    engagement_rate: Decimal | None


def test_a_publication_slot_is_its_local_weekday_and_hour() -> None:
    # Monday 02:30 UTC is Sunday 22:30 in New York (EDT).
    published = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
    assert local_slot(published, ZoneInfo("America/New_York")) == (7, 22)
    assert local_slot(published, ZoneInfo("UTC")) == (1, 2)


def test_best_slots_need_enough_items_and_break_ties_by_items_then_time() -> None:
    slots = [
        Slot(1, 9, 5, D("0.04")),
        Slot(2, 9, 1, D("0.90")),  # too few items to count
        Slot(1, 7, 3, D("0.04")),  # same rate, fewer items (though earlier)
        Slot(1, 8, 5, D("0.04")),  # same rate and items, earlier hour
        Slot(4, 9, 4, None),  # unknown rate ranks as 0
        Slot(5, 9, 4, D("0.06")),
        Slot(2, 6, 5, D("0.04")),  # same rate and items, later weekday
    ]
    assert best_slots(slots, min_items=3, top=6) == [
        slots[5],
        slots[3],
        slots[0],
        slots[6],
        slots[2],
        slots[4],
    ]
    assert best_slots(slots, min_items=3, top=2) == [slots[5], slots[3]]
    assert best_slots(slots, min_items=6, top=5) == []


def test_the_ab_metric_follows_the_campaign_objective() -> None:
    assert ab_metric(Objective.leads) == "lead_rate"
    assert ab_metric(Objective.conversions) == "conversion_rate"
    assert ab_metric(Objective.sales) == "conversion_rate"
    assert ab_metric(Objective.awareness) == "ctr"
    assert ab_metric(None) == "ctr"


def test_an_ab_winner_only_when_the_best_beats_the_runner_up_significantly() -> None:
    a = Arm("a", ratio(150, 1000), 150, 1000)
    b = Arm("b", ratio(200, 1000), 200, 1000)
    c = Arm("c", ratio(100, 1000), 100, 1000)
    verdict = ab_verdict([a, b, c])
    assert (verdict.winner, verdict.runner_up, verdict.significant) == ("b", "a", True)
    assert verdict.z == pytest.approx(2.9424, abs=1e-4)
    assert verdict.p_value == pytest.approx(0.003257, abs=1e-5)
    close = ab_verdict([Arm("a", ratio(52, 1000), 52, 1000), Arm("b", ratio(50, 1000), 50, 1000)])
    assert (close.winner, close.runner_up, close.significant) == (None, "b", False)
    assert close.z is not None


def test_an_ab_verdict_needs_two_rated_arms_and_a_defined_test() -> None:
    assert ab_verdict([Arm("a", D("0.1"), 1, 10), Arm("b", None, 0, 0)]) == Verdict()
    zeros = ab_verdict([Arm("a", D(0), 0, 10), Arm("b", D(0), 0, 10)])
    assert zeros == Verdict(runner_up="b")  # a tie keeps the arms' order; no z at all


def test_budget_left_suggested_spend_and_what_reallocation_ranks_by() -> None:
    assert remaining_budget(D("1000.00"), D("300.00")) == D("700.00")
    assert remaining_budget(D("1000.00"), D("1200.00")) == D(0)
    assert remaining_budget(None, D("1")) is None
    assert str(suggested_spend(D("700.00"), D("0.333333"), "EUR")) == "233.33"
    assert str(suggested_spend(D("700.000"), D("0.333333"), "KWD")) == "233.333"
    assert suggested_spend(None, D("0.5"), "EUR") is None
    assert suggested_spend(D("700.00"), None, "EUR") is None
    assert reallocation_metric(Objective.leads) == "cpl"
    assert reallocation_metric(Objective.sales) == "roas"
