"""KPI arithmetic (docs/contract.md, Analytics) as pure functions: no I/O, exact decimals,
and `None` where a figure does not exist (a zero or unreported denominator), never 0 or
infinity.

The SQL side sums each ratio's two counters over the snapshots that report *both*; these
functions turn such sums into the published figures.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from shared import money
from shared.campaigns.models import Objective

Number = int | Decimal

RATIO_PLACES = Decimal("0.000001")  # ratios: 6 places (KPI-1)


def _quantize(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_EVEN)


def ratio(
    numerator: Number | None, denominator: Number | None, *, scale: int = 1
) -> Decimal | None:
    """numerator / denominator x scale to 6 places; None when either is unreported or the
    denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if type(numerator) is int and type(denominator) is int and numerator >= 0 < denominator:
        # Counts: exact integer division, rounded half to even (a report computes
        # tens of thousands of these; Decimal division is several times slower).
        return Decimal(micros(numerator, denominator, scale)).scaleb(-6)
    return _quantize(Decimal(numerator) * scale / Decimal(denominator), RATIO_PLACES)


def micros(numerator: int, denominator: int, scale: int = 1) -> int:
    """`ratio` of two counts (numerator >= 0 < denominator) in millionths: the integer
    its 6 places hold, for a caller that writes it without building a Decimal."""
    quotient, remainder = divmod(numerator * scale * 1_000_000, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient & 1):
        quotient += 1
    return quotient


def money_ratio(
    amount: Number | None, denominator: Number | None, *, currency: str, scale: int = 1
) -> Decimal | None:
    """A cost per something (CPM, CPC, CPA, CPL): money, in the currency's places."""
    value = ratio(amount, denominator, scale=scale)
    return None if value is None else money.rounded(value, currency)


def coverage(reporting: int, snapshots: int) -> Decimal | None:
    """The share of a group's snapshots that reported a counter."""
    return ratio(reporting, snapshots)


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal

    def position(self, value: Decimal | None) -> str | None:
        if value is None:
            return None
        return "below" if value < self.low else "above" if value > self.high else "within"


@dataclass(frozen=True)
class Stage:
    name: str
    count: Number | None
    pass_rate: Decimal | None  # from the previous stage; None for the first
    reference: Range | None
    position: str | None


def funnel(
    stages: Sequence[tuple[str, Number | None, Decimal | None]], ranges: Sequence[Range]
) -> list[Stage]:
    """Stages `(name, count, pass rate from the previous stage)`, each pass against its
    range (`ranges[i]` is the range of the pass into stage i + 1). The caller computes the
    pass rates: over the snapshots reporting both stages, not from the stage totals."""
    result = []
    for index, (name, count, rate) in enumerate(stages):
        if index == 0:
            result.append(Stage(name, count, None, None, None))
            continue
        reference = ranges[index - 1]
        result.append(Stage(name, count, rate, reference, reference.position(rate)))
    return result


def leak(stages: Sequence[Stage]) -> str | None:
    """The stage whose pass rate is furthest below the low end of its range, measured
    relatively ((low - rate) / low); None when no stage is below its range."""
    worst, gap = None, Decimal(0)
    for stage in stages:
        if stage.pass_rate is None or stage.reference is None or stage.reference.low <= 0:
            continue
        relative = (stage.reference.low - stage.pass_rate) / stage.reference.low
        if relative > gap:
            worst, gap = stage.name, relative
    return worst


QUADRANTS = {
    (False, False): "generic",
    (True, False): "viral",
    (False, True): "targeted",
    (True, True): "star",
}


def quadrant(
    engagement_rate: Decimal | None,
    conversion_rate: Decimal | None,
    engagement_threshold: Decimal,
    conversion_threshold: Decimal,
) -> str:
    """KPI-3. "High" is at or above the threshold; an unknown rate counts as low."""
    high_engagement = engagement_rate is not None and engagement_rate >= engagement_threshold
    high_conversion = conversion_rate is not None and conversion_rate >= conversion_threshold
    return QUADRANTS[(high_engagement, high_conversion)]


def median(values: Sequence[Decimal | None]) -> Decimal | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


@dataclass(frozen=True)
class Cutoffs:
    engagement_rate: Decimal | None
    conversion_rate: Decimal | None
    source: Literal["query", "median"]


def matrix_cutoffs(
    engagement_threshold: Decimal | None,
    conversion_threshold: Decimal | None,
    engagement_rates: Sequence[Decimal | None],
    conversion_rates: Sequence[Decimal | None],
) -> Cutoffs:
    """KPI-3: each threshold as asked, else the median over the items shown (None when no
    item has the rate); the source is "query" only when both were asked."""
    return Cutoffs(
        engagement_rate=median(engagement_rates)
        if engagement_threshold is None
        else engagement_threshold,
        conversion_rate=median(conversion_rates)
        if conversion_threshold is None
        else conversion_threshold,
        source="query"
        if engagement_threshold is not None and conversion_threshold is not None
        else "median",
    )


def quadrants(
    rates: Iterable[tuple[Decimal | None, Decimal | None]], cutoffs: Cutoffs
) -> list[str]:
    """KPI-3: the quadrant of each (engagement rate, conversion rate); without a threshold
    (no item has that rate) every item is low on it."""
    infinity = Decimal("Infinity")
    engagement = infinity if cutoffs.engagement_rate is None else cutoffs.engagement_rate
    conversion = infinity if cutoffs.conversion_rate is None else cutoffs.conversion_rate
    return [quadrant(er, cr, engagement, conversion) for er, cr in rates]


def quadrant_counts(names: Iterable[str]) -> dict[str, int]:
    """Items per quadrant, every quadrant named even when empty."""
    counts = dict.fromkeys(QUADRANTS.values(), 0)
    for name in names:
        counts[name] += 1
    return counts


class Slot(Protocol):
    """A publication slot (KPI-4): ISO weekday and local hour, its items, their pooled rate."""

    @property
    def weekday(self) -> int: ...
    @property
    def hour(self) -> int: ...
    @property
    def items(self) -> int: ...
    @property
    def engagement_rate(self) -> Decimal | None: ...


SlotT = TypeVar("SlotT", bound=Slot)


def local_slot(published_at: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """(ISO weekday, hour) of a publication in the workspace's time zone."""
    local = published_at.astimezone(zone)
    return local.isoweekday(), local.hour


def best_slots(slots: Iterable[SlotT], min_items: int, top: int) -> list[SlotT]:
    """KPI-4: the `top` slots with at least `min_items` items, by engagement rate (unknown
    as 0), then by more items, then the earlier weekday and hour: a rate over few items is
    noise, and ties must not reorder from one call to the next."""
    ranked = sorted(
        (slot for slot in slots if slot.items >= min_items),
        key=lambda s: (-(s.engagement_rate or 0), -s.items, s.weekday, s.hour),
    )
    return ranked[:top]


AbMetric = Literal["ctr", "conversion_rate", "lead_rate"]

#: What an A/B test is judged on: each metric's (successes, trials) counters.
AB_METRICS: dict[str, tuple[str, str]] = {
    "ctr": ("clicks", "impressions"),
    "conversion_rate": ("conversions", "clicks"),
    "lead_rate": ("leads", "clicks"),
}


def ab_metric(objective: Objective | None) -> AbMetric:
    """KPI-8's default metric, by the campaign's objective: what the campaign is for."""
    if objective == Objective.leads:
        return "lead_rate"
    if objective in {Objective.conversions, Objective.sales}:
        return "conversion_rate"
    return "ctr"


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha


def two_proportion_z_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> ZTest | None:
    """Pooled two-proportion z-test, two-sided (KPI-8); None when it is undefined (no
    trials on a side, or a pooled rate of 0 or 1)."""
    if trials_a <= 0 or trials_b <= 0:
        return None
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance <= 0:
        return None
    z = (successes_a / trials_a - successes_b / trials_b) / math.sqrt(variance)
    return ZTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))


@dataclass(frozen=True)
class Arm:
    """An A/B variant as the test sees it: its rate on the metric, and the two counters
    that rate is made of."""

    name: str
    rate: Decimal | None
    successes: int
    trials: int


@dataclass(frozen=True)
class Verdict:
    winner: str | None = None
    runner_up: str | None = None
    z: float | None = None
    p_value: float | None = None
    significant: bool = False


def ab_verdict(arms: Sequence[Arm]) -> Verdict:
    """KPI-8: the best arm by rate (ties keep the arms' order) against the runner-up with
    a pooled two-proportion z-test; a winner only when the difference is significant at
    0.05. No runner-up without two arms that have a rate; no z without a defined test."""
    known = [(arm.rate, arm) for arm in arms if arm.rate is not None]
    ranked = [arm for _, arm in sorted(known, key=lambda pair: pair[0], reverse=True)]
    if len(ranked) < 2:
        return Verdict()
    best, second = ranked[0], ranked[1]
    test = two_proportion_z_test(best.successes, best.trials, second.successes, second.trials)
    if test is None:
        return Verdict(runner_up=second.name)
    significant = test.significant()
    return Verdict(
        winner=best.name if significant else None,
        runner_up=second.name,
        z=round(test.z, 6),
        p_value=round(test.p_value, 6),
        significant=significant,
    )


@dataclass(frozen=True)
class Pacing:
    expected_spend: Decimal | None
    pacing: Decimal | None  # spend / expected spend


def pacing(
    budget: Decimal | None,
    spend: Decimal,
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime,
    currency: str,
) -> Pacing:
    """KPI-7: the spend a linear pace would have reached by `now`, and the actual spend's
    ratio to it (above 1: spending too fast)."""
    if budget is None or starts_at is None or ends_at is None or ends_at <= starts_at:
        return Pacing(None, None)
    elapsed = min(max((now - starts_at) / (ends_at - starts_at), 0.0), 1.0)
    expected = money.rounded(budget * Decimal(str(elapsed)), currency)
    return Pacing(expected, ratio(spend, expected))


def remaining_budget(budget: Decimal | None, spend: Decimal) -> Decimal | None:
    """What is left to spend: never below zero, None without a budget."""
    return None if budget is None else max(budget - spend, Decimal(0))


def reallocation_metric(objective: Objective) -> Literal["roas", "cpl"]:
    """KPI-7: lead campaigns move spend toward a lower cost per lead, the others toward
    a higher return on ad spend."""
    return "cpl" if objective == Objective.leads else "roas"


@dataclass(frozen=True)
class Share:
    current: Decimal | None
    suggested: Decimal | None


def reallocate(spends: Sequence[Decimal], results: Sequence[Number]) -> list[Share]:
    """KPI-7: move spend toward what returns more per unit spent. Each pair's suggested
    share is its current share times its efficiency (results / spend), normalised: that
    is, proportional to its results (conversion value for ROAS, leads for CPL). One step
    of multiplicative weights, not a jump of the whole budget to the single best pair."""
    total_spend = sum(spends, Decimal(0))
    total_results = sum((Decimal(r) for r in results), Decimal(0))
    return [
        Share(
            current=ratio(spend, total_spend),
            suggested=ratio(result, total_results),
        )
        for spend, result in zip(spends, results, strict=True)
    ]


def suggested_spend(
    remaining: Decimal | None, share: Decimal | None, currency: str
) -> Decimal | None:
    """The part of the budget left that a suggested share would get, in money."""
    if remaining is None or share is None:
        return None
    return money.rounded(remaining * share, currency)
