"""Attribution models (ATT-2) as pure functions over `Paths`: numpy, no I/O.

Each model returns the credit of every key: attributed conversions (a float: credit is
fractional) and attributed value in cents (integers that add up exactly to the converted
paths' value). Conversions without touchpoints are not the models' business: the run
credits them to `direct` whatever the model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from math import factorial

import numpy as np

from shared.attribution.paths import Bools, Floats, Ints, Paths, floats, ints

#: ATT-2 (docs/contract.md): exact Shapley values up to this many channels.
SHAPLEY_MAX = 12


class AttributionModel(enum.StrEnum):
    last_touch = "last_touch"
    first_touch = "first_touch"
    linear = "linear"
    time_decay = "time_decay"
    position_based = "position_based"
    markov = "markov"
    shapley = "shapley"


@dataclass(frozen=True)
class Credit:
    """Per key id: attributed conversions, and value in cents."""

    conversions: Floats
    value_cents: Ints
    #: Markov only: each key's removal effect.
    removal_effects: Floats | None = None


def allocate(total: int, weights: Floats) -> Ints:
    """Integer parts of `total` in proportion to `weights`, adding up to `total` exactly
    (largest remainder): money is split to the cent, never lost or made up."""
    weights = np.clip(weights, 0, None)
    whole = weights.sum()
    if total == 0 or whole <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = weights * (total / whole)
    parts = np.floor(exact).astype(np.int64)
    short = int(total - parts.sum())
    if short:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:short]] += 1
    return ints(parts)


# -- heuristic models: a weight per touchpoint, summing to 1 on each path --------------------


def touch_weights(paths: Paths, model: AttributionModel, half_life_days: float = 7.0) -> Floats:
    n = np.repeat(paths.lengths, paths.lengths).astype(np.float64)
    pos = paths.position
    if model == AttributionModel.last_touch:
        return floats(pos == n - 1)
    if model == AttributionModel.first_touch:
        return floats(pos == 0)
    if model == AttributionModel.linear:
        return floats(1.0 / n)
    if model == AttributionModel.time_decay:
        if not len(paths):
            return floats(paths.days_before)
        # Days counted from the path's latest touch, whose weight is then 1: the same
        # shares, and no path whose every weight underflows to 0 (a 0/0 NaN) when its
        # touches are many half-lives old.
        latest = np.minimum.reduceat(paths.days_before, paths.starts[:-1])
        raw = np.exp2(-(paths.days_before - np.repeat(latest, paths.lengths)) / half_life_days)
        sums = np.add.reduceat(raw, paths.starts[:-1])
        return floats(raw / np.repeat(sums, paths.lengths))
    if model == AttributionModel.position_based:
        middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
        ends = np.where(n == 1, 1.0, np.where(n == 2, 0.5, 0.4))
        first_or_last = (pos == 0) | (pos == n - 1)
        return floats(np.where(first_or_last, ends, middle))
    raise ValueError(f"{model} is not a heuristic model")


def heuristic(paths: Paths, model: AttributionModel, half_life_days: float = 7.0) -> Credit:
    """Converted paths only: a path that did not convert has no credit to give."""
    converting = paths.only(paths.converted)
    weights = touch_weights(converting, model, half_life_days)
    size = len(paths.labels)
    conversions = floats(np.bincount(converting.keys, weights=weights, minlength=size))
    path_value = np.repeat(converting.values, converting.lengths).astype(np.float64)
    value = floats(np.bincount(converting.keys, weights=weights * path_value, minlength=size))
    return Credit(conversions, allocate(int(converting.values.sum()), value))


# -- markov ----------------------------------------------------------------------------------


def _states(paths: Paths, order: int) -> tuple[Ints, list[tuple[int, ...]]]:
    """Each touchpoint's state: the last `order` keys of its path up to it (fewer at the
    path's start), as an id into the returned list of key tuples."""
    base = len(paths.labels) + 1
    code = paths.keys + 1
    pos = paths.position
    total = code.copy()
    for lag in range(1, order):
        shifted = np.zeros_like(code)
        shifted[lag:] = code[:-lag]
        total = total + np.where(pos >= lag, shifted, 0) * base**lag
    unique, ids = np.unique(total, return_inverse=True)
    states = []
    for value in unique.tolist():
        keys = []
        while value:
            value, digit = divmod(value, base)
            if digit:
                keys.append(digit - 1)
        states.append(tuple(reversed(keys)))
    return ids.astype(np.int64), states


def state_count(paths: Paths, order: int) -> int:
    """The Markov chain's transient states over these paths (its solves grow as their
    cube)."""
    return len(_states(paths, order)[1])


def _conversion_probability(counts: Floats, start: int, conversion: int, removed: Bools) -> float:
    """P(reaching `conversion` from `start`) in the absorbing chain whose transition
    counts are `counts`; `removed` states send everything to the null state."""
    size = counts.shape[0]
    totals = counts.sum(axis=1)
    transient = (totals > 0) & ~removed
    transient[conversion] = False
    probabilities = np.divide(
        counts, totals[:, None], out=np.zeros_like(counts), where=totals[:, None] > 0
    )
    index = np.flatnonzero(transient)
    q = probabilities[np.ix_(index, index)]
    r = probabilities[index, conversion]
    solved = np.linalg.solve(np.eye(len(index)) - q, r)
    position = np.searchsorted(index, start)
    if position >= len(index) or index[position] != start:
        return 0.0
    return float(solved[position]) if size else 0.0


def markov(paths: Paths, order: int = 1) -> Credit:
    """Removal effects over all paths, converting or not (ATT-2): 1 - P(conversion
    without the key) / P(conversion); conversions and value split in proportion."""
    if not 1 <= order <= 3:
        raise ValueError("markov order is 1, 2 or 3")
    size = len(paths.labels)
    state_of, states = _states(paths, order)
    n = len(states)
    start, conversion, null = n, n + 1, n + 2
    first = paths.starts[:-1][paths.lengths > 0]
    last = paths.starts[1:][paths.lengths > 0] - 1
    ends = np.where(paths.converted[paths.lengths > 0], conversion, null)
    inner = np.ones(len(paths.keys), dtype=np.bool_)
    inner[last] = False
    sources = np.concatenate((np.full(len(first), start), state_of[inner], state_of[last]))
    targets = np.concatenate((state_of[first], state_of[np.flatnonzero(inner) + 1], ends))
    counts = np.bincount(sources * (n + 3) + targets, minlength=(n + 3) ** 2)
    matrix = counts.reshape(n + 3, n + 3).astype(np.float64)
    nothing_removed = np.zeros(n + 3, dtype=np.bool_)
    base = _conversion_probability(matrix, start, conversion, nothing_removed)
    effects = np.zeros(size)
    if base > 0:
        for key in range(size):
            removed = np.zeros(n + 3, dtype=np.bool_)
            removed[:n] = [key in state for state in states]
            if removed.any():
                without = _conversion_probability(matrix, start, conversion, removed)
                effects[key] = 1 - without / base
    return _split(paths, effects, removal_effects=effects)


def _split(paths: Paths, weights: Floats, removal_effects: Floats | None = None) -> Credit:
    """The run's conversions and value split over keys in proportion to `weights`."""
    conversions = float(paths.converted.sum())
    whole = np.clip(weights, 0, None).sum()
    shares = np.clip(weights, 0, None) / whole if whole > 0 else np.zeros(len(weights))
    return Credit(
        conversions * shares,
        allocate(int(paths.values.sum()), shares),
        removal_effects,
    )


# -- shapley ---------------------------------------------------------------------------------


def coalition_rates(paths: Paths) -> tuple[Floats, int]:
    """Conversion rate of the paths whose channel set is each coalition (bit mask)."""
    size = len(paths.labels)
    if size > SHAPLEY_MAX:
        raise ValueError(f"exact Shapley values need at most {SHAPLEY_MAX} keys, not {size}")
    bits = np.left_shift(np.int64(1), paths.keys)
    present = paths.lengths > 0
    masks = np.bitwise_or.reduceat(bits, paths.starts[:-1][present]) if len(bits) else bits
    seen = np.bincount(masks, minlength=1 << size).astype(np.float64)
    # as floats even with no path at all (numpy answers an empty bincount in integers)
    won = np.bincount(masks, weights=paths.converted[present], minlength=1 << size).astype(
        np.float64
    )
    rates = np.divide(won, seen, out=np.zeros_like(won), where=seen > 0)
    return rates, size


def shapley_values(rates: Floats, size: int) -> Floats:
    """phi_i = sum over coalitions S without i of |S|!(n-|S|-1)!/n! (v(S+i) - v(S))."""
    values = np.zeros(size)
    weight = [factorial(k) * factorial(size - k - 1) / factorial(size) for k in range(size)]
    masks = np.arange(1 << size)
    popcount = np.array([bin(m).count("1") for m in range(1 << size)])
    for key in range(size):
        bit = 1 << key
        without = masks[(masks & bit) == 0]
        gains = rates[without | bit] - rates[without]
        values[key] = float(np.sum(np.array(weight)[popcount[without]] * gains))
    return values


def shapley(paths: Paths) -> Credit:
    """Negative values (a key whose presence lowers the rate) get no credit: the
    conversions are split over the positive ones. With no positive value at all (the
    contract's coalition value, the rate of paths with exactly that set, is not monotone:
    few paths can make every marginal gain cancel out), the split falls back to linear
    credit, so the totals are still kept."""
    rates, size = coalition_rates(paths)
    values = shapley_values(rates, size)
    if not (values > 0).any():
        values = heuristic(paths, AttributionModel.linear).conversions
    return _split(paths, values)


def attribute(
    paths: Paths, model: AttributionModel, *, half_life_days: float = 7.0, markov_order: int = 1
) -> Credit:
    if model == AttributionModel.markov:
        return markov(paths, markov_order)
    if model == AttributionModel.shapley:
        return shapley(paths)
    return heuristic(paths, model, half_life_days)


def split_by_touches(paths: Paths, credit: Credit, sub_keys: Ints, sub_size: int) -> Credit:
    """A channel-level credit carried down to a finer key (campaign, content item): each
    channel's conversions and value go to the finer keys of that channel's touchpoints on
    converting paths, in proportion to their counts. Markov and Shapley are defined on
    channels; run on a thousand campaigns they would be slow (Markov) or not exact
    (Shapley), so the finer dimensions inherit the channel's verdict."""
    touched = np.repeat(paths.converted, paths.lengths)
    size = len(paths.labels)
    pairs = np.bincount(
        paths.keys[touched] * sub_size + sub_keys[touched], minlength=size * sub_size
    ).reshape(size, sub_size)
    totals = pairs.sum(axis=1)
    shares = np.divide(pairs, totals[:, None], out=np.zeros(pairs.shape), where=totals[:, None] > 0)
    conversions = floats(shares.T @ credit.conversions)
    value = np.zeros(sub_size, dtype=np.int64)
    for key in np.flatnonzero(credit.value_cents):
        value += allocate(int(credit.value_cents[key]), floats(shares[key]))
    return Credit(conversions, ints(value))
