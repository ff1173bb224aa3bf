"""ATT-2's models on hand-computed paths, and against straightforward references."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from math import factorial

import numpy as np
import pytest

from shared.attribution import report
from shared.attribution.algorithms import (
    AttributionModel,
    allocate,
    attribute,
    markov,
    shapley,
    state_count,
)
from shared.attribution.build import Built
from shared.attribution.paths import from_lists
from shared.attribution.reference import markov_removal_effects


def credit(
    paths: list[list[str]], converted: list[bool], model: AttributionModel, **kw: float
) -> dict[str, float]:
    built = from_lists(paths, converted, [1000 if c else 0 for c in converted])
    result = attribute(built, model, **kw)  # type: ignore[arg-type]
    return {
        label: round(float(result.conversions[i]), 6)
        for i, label in enumerate(built.labels)
        if result.conversions[i]
    }


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (AttributionModel.last_touch, {"A": 1.0, "C": 1.0, "solo": 1.0}),
        (AttributionModel.first_touch, {"A": 2.0, "solo": 1.0}),
        (AttributionModel.linear, {"A": 1 / 3 + 1, "B": 1 / 3, "C": 1 / 3, "solo": 1.0}),
        (AttributionModel.position_based, {"A": 0.4 + 0.5 + 0.5, "B": 0.2, "C": 0.4, "solo": 1.0}),
    ],
)
def test_heuristic_models_on_hand_computed_paths(
    model: AttributionModel, expected: dict[str, float]
) -> None:
    # A > B > C (three touches), A > A (two touches of one channel), solo (one touch), and
    # a path that did not convert, which no heuristic model credits.
    got = credit(
        [["A", "B", "C"], ["A", "A"], ["solo"], ["B", "C"]], [True, True, True, False], model
    )
    assert got == {key: round(value, 6) for key, value in expected.items()}


def test_position_based_splits_the_middle_and_credits_repeats_per_touch() -> None:
    assert credit([["A", "B", "C", "A"]], [True], AttributionModel.position_based) == {
        "A": 0.8,
        "B": 0.1,
        "C": 0.1,
    }


def test_time_decay_halves_the_weight_every_half_life() -> None:
    built = from_lists([["A", "B", "A"]], [True], [1750], days_before=[[14.0, 7.0, 0.0]])
    result = attribute(built, AttributionModel.time_decay, half_life_days=7)
    # Raw weights 1/4, 1/2, 1, normalised over 7/4.
    assert result.conversions.tolist() == pytest.approx([(0.25 + 1) / 1.75, 0.5 / 1.75])
    assert result.value_cents.tolist() == [1250, 500]


def test_time_decay_of_touches_many_half_lives_old_keeps_the_totals() -> None:
    """Weights of 2^-3650 underflow to 0: the shares must still come out of the path."""
    built = from_lists(
        [["A", "B"], ["B"]], [True, True], [1000, 500], days_before=[[365.0, 364.9], [300.0]]
    )
    result = attribute(built, AttributionModel.time_decay, half_life_days=0.1)
    # 0.1 day apart at a half-life of 0.1 day: A weighs 1/2 of B.
    assert result.conversions.tolist() == pytest.approx([1 / 3, 1 + 2 / 3])
    assert result.value_cents.tolist() == [333, 1167]


def test_markov_textbook_example() -> None:
    """C1 > C2 > C3 converts, C1 does not, C2 > C3 does not: P(conversion) = 1/3;
    without C1 it is 1/6 (removal effect 0.5), without C2 or C3 it is 0 (effect 1)."""
    built = from_lists(
        [["C1", "C2", "C3"], ["C1"], ["C2", "C3"]], [True, False, False], [999, 0, 0]
    )
    result = markov(built)
    assert result.removal_effects is not None
    assert result.removal_effects.tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert result.conversions.tolist() == pytest.approx([0.2, 0.4, 0.4])
    assert result.value_cents.tolist() == [200, 400, 399]  # 999 cents, exactly


def test_allocate_splits_money_to_the_cent() -> None:
    assert allocate(100, np.array([1.0, 1.0, 1.0])).tolist() == [34, 33, 33]
    assert allocate(0, np.array([1.0, 2.0])).tolist() == [0, 0]
    assert allocate(7, np.array([0.0, 0.0])).tolist() == [0, 0]
    assert allocate(1001, np.array([0.5, 0.25, 0.25])).tolist() == [501, 250, 250]


def random_paths(seed: int, count: int, channels: int) -> tuple[list[list[str]], list[bool]]:
    rng = random.Random(seed)
    names = [f"ch{i}" for i in range(channels)]
    paths = [[rng.choice(names) for _ in range(rng.randint(1, 5))] for _ in range(count)]
    converted = [rng.random() < 0.3 + 0.1 * ("ch0" in p) for p in paths]
    return paths, converted


@pytest.mark.parametrize("model", list(AttributionModel))
def test_every_model_conserves_the_totals(model: AttributionModel) -> None:
    paths, converted = random_paths(1, 400, 6)
    values = [random.Random(i).randint(100, 99_999) if c else 0 for i, c in enumerate(converted)]
    built = from_lists(paths, converted, values)
    result = attribute(built, model)
    assert float(result.conversions.sum()) == pytest.approx(sum(converted))
    assert int(result.value_cents.sum()) == sum(values)
    assert (result.conversions >= 0).all()


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_equals_the_reference(order: int) -> None:
    paths, converted = random_paths(order, 300, 5)
    built = from_lists(paths, converted)
    result = markov(built, order)
    expected = markov_removal_effects(zip(paths, converted, strict=True), order)
    assert result.removal_effects is not None
    got = dict(zip(built.labels, result.removal_effects.tolist(), strict=True))
    assert got == pytest.approx(expected, abs=1e-9)


def reference_shapley(paths: list[list[str]], converted: list[bool]) -> dict[str, Fraction]:
    channels = sorted({c for p in paths for c in p})
    seen: dict[frozenset[str], int] = defaultdict(int)
    won: dict[frozenset[str], int] = defaultdict(int)
    for path, c in zip(paths, converted, strict=True):
        seen[frozenset(path)] += 1
        won[frozenset(path)] += c

    def v(s: frozenset[str]) -> Fraction:
        return Fraction(won[s], seen[s]) if seen[s] else Fraction(0)

    n = len(channels)
    phi = {}
    for ch in channels:
        others = [c for c in channels if c != ch]
        total = Fraction(0)
        for k in range(n):
            for subset in combinations(others, k):
                s = frozenset(subset)
                weight = Fraction(factorial(k) * factorial(n - k - 1), factorial(n))
                total += weight * (v(s | {ch}) - v(s))
        phi[ch] = total
    return phi


def test_shapley_equals_the_reference_and_splits_positive_values() -> None:
    paths, converted = random_paths(7, 500, 5)
    phi = reference_shapley(paths, converted)
    positive = {c: max(v, Fraction(0)) for c, v in phi.items()}
    whole = sum(positive.values())
    built = from_lists(paths, converted)
    result = shapley(built)
    expected = {c: float(positive[c] / whole * sum(converted)) for c in built.labels}
    got = dict(zip(built.labels, result.conversions.tolist(), strict=True))
    assert got == pytest.approx(expected, abs=1e-9)


def test_shapley_on_a_known_example() -> None:
    """Rates: {A} 0.5, {B} 0, {A,B} 1. phi_A = 1/2 (0.5 - 0) + 1/2 (1 - 0) = 0.75,
    phi_B = 1/2 (0 - 0) + 1/2 (1 - 0.5) = 0.25."""
    paths = [["A"], ["A"], ["B"], ["A", "B"]]
    assert credit(paths, [True, False, False, True], AttributionModel.shapley) == {
        "A": 1.5,
        "B": 0.5,
    }


def test_ties_split_evenly() -> None:
    assert credit([["A", "B"], ["B", "A"]], [True, True], AttributionModel.markov) == {
        "A": 1.0,
        "B": 1.0,
    }


def test_shapley_falls_back_to_linear_when_no_value_is_positive() -> None:
    """{A,B} rate 1, {C} rate 1, {A} rate 0: every Shapley value is 0 (worked out by
    hand), so the conversions are split as linear credit would."""
    paths = [["A", "B"], ["C"], ["A"]]
    assert credit(paths, [True, True, False], AttributionModel.shapley) == {
        "A": 0.5,
        "B": 0.5,
        "C": 1.0,
    }


def test_markov_pools_the_rarest_channels_past_its_sizes() -> None:
    """Channels are free text: thousands of them must not make a dense chain of
    thousands of states, solved once per channel."""
    rng = np.random.default_rng(5)
    names = [f"c{i:02d}" for i in range(40)]
    journeys = [[names[int(k)] for k in rng.integers(0, 40, size=6)] for _ in range(3000)]
    converted = [bool(c) for c in rng.random(3000) < 0.3]
    paths = from_lists(journeys, converted, [100 * c for c in converted])
    built = Built(paths, paths, paths, direct_conversions=0, direct_cents=0)
    for order in (1, 3):
        results, effects = report.results(
            built, [AttributionModel.markov], half_life_days=7.0, markov_order=order
        )
        rows = results["markov"]["channel"]
        assert effects is not None
        assert "(other)" in effects
        assert len(effects) <= report.MARKOV_MAX_KEYS
        assert sum(row["conversions"] for row in rows) == pytest.approx(sum(converted))
        assert sum(Decimal(row["value"]) for row in rows) == sum(converted)
        capped = report._for_markov(paths, order)
        assert state_count(capped, order) <= report.MARKOV_MAX_STATES


@pytest.mark.parametrize("model", list(AttributionModel))
def test_a_window_with_no_touch_credits_nothing_and_fails_nothing(model: AttributionModel) -> None:
    """Found by two APIs and three workers running a window of add-to-cart events only:
    Shapley's coalition rates came out of numpy in integers and the run failed."""
    cases: list[tuple[list[list[str]], list[bool]]] = [([], []), ([[]], [False])]
    for paths, converted in cases:
        credit = attribute(from_lists(paths, converted), model)
        assert credit.conversions.sum() == 0
