"""Straightforward Markov removal effects: dictionaries of counts and value iteration.

Not used by the runs: it is the yardstick the numpy implementation is checked against,
in the tests and in PERF-3 (within 1e-6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

START, CONVERSION, NULL = ("<start>",), ("<conversion>",), ("<null>",)


def markov_removal_effects(
    paths: Iterable[tuple[Sequence[str], bool]], order: int = 1
) -> dict[str, float]:
    counts: dict[tuple[str, ...], dict[tuple[str, ...], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    channels: set[str] = set()
    for path, converted in paths:
        if not path:
            continue
        channels.update(path)
        states: list[tuple[str, ...]] = [START]
        states += [tuple(path[max(0, i - order + 1) : i + 1]) for i in range(len(path))]
        states.append(CONVERSION if converted else NULL)
        for a, b in pairwise(states):
            counts[a][b] += 1

    def probability(removed: str | None) -> float:
        p: dict[tuple[str, ...], float] = defaultdict(float)
        p[CONVERSION] = 1.0
        for _ in range(100_000):
            change = 0.0
            for state, nexts in counts.items():
                if removed is not None and removed in state:
                    continue
                total = sum(nexts.values())
                value = sum(
                    n / total * (0.0 if removed is not None and removed in nxt else p[nxt])
                    for nxt, n in nexts.items()
                )
                change = max(change, abs(value - p[state]))
                p[state] = value
            if change < 1e-15:
                break
        return p[START]

    base = probability(None)
    return {c: 1 - probability(c) / base for c in sorted(channels)} if base else {}
