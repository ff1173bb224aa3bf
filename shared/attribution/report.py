"""A run's results (ATT-3) from built paths: every model, three dimensions, the totals
kept (direct conversions included)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from shared.attribution import algorithms
from shared.attribution.algorithms import SHAPLEY_MAX, AttributionModel, Credit
from shared.attribution.build import DIRECT, NONE, Built
from shared.attribution.paths import Paths, ints

OTHER = "(other)"
#: Markov solves a dense chain once per channel: past these sizes a run would take
#: minutes (a free-text channel may take thousands of values), so the rarest channels
#: are pooled as `(other)`, as Shapley's are past 12.
MARKOV_MAX_KEYS = 30
MARKOV_MAX_STATES = 2000


def _rows(labels: Sequence[str], credit: Credit, extra: str, built: Built) -> list[dict[str, Any]]:
    conversions = {label: float(credit.conversions[i]) for i, label in enumerate(labels)}
    cents = {label: int(credit.value_cents[i]) for i, label in enumerate(labels)}
    if built.direct_conversions:
        conversions[extra] = conversions.get(extra, 0.0) + built.direct_conversions
        cents[extra] = cents.get(extra, 0) + built.direct_cents
    total = built.conversion_count
    ordered = sorted(conversions, key=lambda key: (-conversions[key], key))
    return [
        {
            "key": key,
            "conversions": round(conversions[key], 6),
            "value": str(Decimal(cents[key]).scaleb(-built.places)),
            "share": round(conversions[key] / total, 6) if total else None,
        }
        for key in ordered
        if conversions[key] > 0 or cents[key] > 0
    ]


def _at_most(paths: Paths, size: int) -> Paths:
    """The `size - 1` most frequent keys, and the rest as `(other)`: exact Shapley values
    are for at most 12 channels."""
    if len(paths.labels) <= size:
        return paths
    counts = Counter(paths.keys.tolist())
    kept = [key for key, _ in counts.most_common(size - 1)]
    mapping = np.full(len(paths.labels), size - 1, dtype=np.int64)
    mapping[kept] = np.arange(len(kept))
    labels = [paths.labels[k] for k in kept] + [OTHER]
    return Paths(
        ints(mapping[paths.keys]),
        paths.days_before,
        paths.starts,
        paths.converted,
        paths.values,
        labels,
    )


def _for_markov(paths: Paths, order: int) -> Paths:
    """The most frequent channels whose chain stays within MARKOV_MAX_STATES states."""
    size = min(len(paths.labels), MARKOV_MAX_KEYS)
    while True:
        capped = _at_most(paths, size)
        bound = sum(size**i for i in range(1, order + 1))  # states the chain could have
        if size <= 2 or bound <= MARKOV_MAX_STATES:
            return capped
        if algorithms.state_count(capped, order) <= MARKOV_MAX_STATES:
            return capped
        size -= 1


def results(
    built: Built, models: Sequence[AttributionModel], *, half_life_days: float, markov_order: int
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], dict[str, float] | None]:
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    effects: dict[str, float] | None = None
    finer = {"campaign": built.campaign, "content_item": built.content_item}
    for model in models:
        if model in (AttributionModel.markov, AttributionModel.shapley):
            channel = (
                _for_markov(built.channel, markov_order)
                if model == AttributionModel.markov
                else _at_most(built.channel, SHAPLEY_MAX)
            )
            credit = algorithms.attribute(channel, model, markov_order=markov_order)
            if model == AttributionModel.markov and credit.removal_effects is not None:
                effects = {
                    label: round(float(credit.removal_effects[i]), 6)
                    for i, label in enumerate(channel.labels)
                }
            by = {"channel": _rows(channel.labels, credit, DIRECT, built)}
            for name, paths in finer.items():
                split = algorithms.split_by_touches(channel, credit, paths.keys, len(paths.labels))
                by[name] = _rows(paths.labels, split, NONE, built)
        else:
            by = {}
            for name, paths in (("channel", built.channel), *finer.items()):
                credit = algorithms.attribute(paths, model, half_life_days=half_life_days)
                by[name] = _rows(paths.labels, credit, DIRECT if name == "channel" else NONE, built)
        out[model.value] = by
    return out, effects
