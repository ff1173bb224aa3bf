"""From additive sums (`measures.SUM_COLUMNS`) to the figures a KPI row publishes (KPI-1):
counters, coverage, ratios and costs, and the campaign targets they miss. Pure.

`figures` is the reference, in exact decimals; `wire_figures` writes the same figures
straight in their JSON form (a report of a thousand rows builds no Decimal it can avoid
and no model), and a test holds the two equal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared import money
from shared.kpis.formulas import coverage, micros, money_ratio, ratio
from shared.kpis.measures import REASON_COLUMNS, Sums, pair_columns, reported
from shared.metrics.models import AMOUNTS, MEASURES


@dataclass(frozen=True)
class Kpi:
    name: str
    numerator: str
    denominator: str
    money: bool = False
    scale: int = 1


#: KPI-1's table, in its order; `roi` is computed beside them (it adds production cost).
KPIS = (
    Kpi("engagement_rate", "engagements", "impressions"),
    Kpi("ctr", "clicks", "impressions"),
    Kpi("conversion_rate", "conversions", "clicks"),
    Kpi("cpm", "spend", "impressions", money=True, scale=1000),
    Kpi("cpc", "spend", "clicks", money=True),
    Kpi("cpa", "spend", "conversions", money=True),
    Kpi("cpl", "spend", "leads", money=True),
    Kpi("roas", "conversion_value", "spend"),
    Kpi("frequency", "impressions", "reach"),
)
KPI_NAMES = (*(kpi.name for kpi in KPIS), "roi")
BY_NAME = {kpi.name: kpi for kpi in KPIS}

#: Campaign targets: a cost misses above its target, a rate or return below it.
CEILINGS = frozenset({"cpa", "cpl"})
FLOORS = frozenset({"roas", "ctr", "engagement_rate"})


def pair(sums: Sums, numerator: str, denominator: str) -> tuple[Decimal | int, Decimal | int]:
    """Both counters of a ratio, summed over the snapshots that report both."""
    num, den = pair_columns(numerator, denominator)
    return sums[num], sums[den]


def counter(sums: Sums, name: str, currency: str | None = None) -> int | Decimal | None:
    """A counter's sum, or None when no snapshot reported it (never a made-up 0); an
    amount's in `currency`'s places."""
    if not sums[reported(name)]:
        return None
    value = sums[name]
    if name not in AMOUNTS:
        return value
    assert currency is not None, "an amount is written in its currency's places"
    return money.rounded(Decimal(value), currency)


def kpi_value(sums: Sums, kpi: Kpi, currency: str) -> Decimal | None:
    num, den = pair(sums, kpi.numerator, kpi.denominator)
    if kpi.money:
        return money_ratio(num, den, scale=kpi.scale, currency=currency)
    return ratio(num, den, scale=kpi.scale)


def roi(sums: Sums, production_cost: Decimal) -> Decimal | None:
    """(conversion value - cost) / cost, the cost being the spend reported (0 when none
    is: an organic item) plus the production cost booked in the window. Unlike a ratio,
    its terms are not paired: an organic snapshot reports value without spend. None
    without a conversion value reported, or with no cost at all."""
    if not sums[reported("conversion_value")]:
        return None
    cost = Decimal(sums["spend"]) + production_cost
    return ratio(Decimal(sums["conversion_value"]) - cost, cost)


@dataclass(frozen=True)
class Figures:
    snapshots: int
    counters: dict[str, int | Decimal | None]
    coverage: dict[str, Any]
    kpis: dict[str, Decimal | None]


def figures(sums: Sums, currency: str, production_cost: Decimal | None = None) -> Figures:
    """A group's figures, amounts in `currency`'s places (the report's)."""
    snapshots = int(sums["snapshots"])
    counters: dict[str, int | Decimal | None] = {
        name: counter(sums, name, currency) for name in MEASURES
    }
    counters["production_cost"] = (
        None if production_cost is None else money.rounded(production_cost, currency)
    )
    kpis = {kpi.name: kpi_value(sums, kpi, currency) for kpi in KPIS}
    kpis["roi"] = roi(sums, production_cost or Decimal(0))
    return Figures(
        snapshots=snapshots,
        counters=counters,
        coverage={
            **{name: coverage(int(sums[reported(name)]), snapshots) for name in MEASURES},
            "reasons": reasons(sums, snapshots),
        },
        kpis=kpis,
    )


def reasons(sums: Sums, snapshots: int, exact: bool = True) -> dict[str, dict[str, Any]]:
    """For each counter some snapshots left null with a reason: the share of the row's
    snapshots per reason (the rest of its gap is counters nobody explained); as Decimals,
    or (not `exact`) as the floats of their 6 places."""
    shares: dict[str, dict[str, Any]] = {}
    for name, reason, column in REASON_COLUMNS:
        count = int(sums[column])
        if count > 0 < snapshots:
            share = coverage(count, snapshots) if exact else micros(count, snapshots) / 1_000_000
            shares.setdefault(name, {})[reason.value] = share
    return shares


def missed_targets(
    sums: Sums, kpis: Mapping[str, Decimal | None], targets: Mapping[str, Decimal | None]
) -> list[str]:
    """The targets a row misses. An unknown figure misses nothing, except a cost target
    when money was spent and nothing came of it (a CPA of spend / 0 is as bad as it gets)."""
    missed = []
    for name, target in targets.items():
        if target is None:
            continue
        value = kpis.get(name)
        if name in CEILINGS:
            if value is None:
                kpi = BY_NAME[name]
                spent, outcome = pair(sums, kpi.numerator, kpi.denominator)
                if spent > 0 and outcome == 0:
                    missed.append(name)
            elif value > target:
                missed.append(name)
        elif name in FLOORS and value is not None and value < target:
            missed.append(name)
    return missed


# -- the same figures in their JSON form ---------------------------------------------------

#: (name, its column, its reported count's column, an amount) in `Counters`' order.
_COUNTERS = tuple((name, name, reported(name), name in AMOUNTS) for name in MEASURES)
WireKpi = tuple[str, str, str, int, bool]  # name, pair's columns, scale, money


def _wire_kpi(name: str) -> WireKpi | None:
    kpi = BY_NAME.get(name)
    if kpi is None:
        return None  # roi
    return (name, *pair_columns(kpi.numerator, kpi.denominator), kpi.scale, kpi.money)


#: `KpiValues`' order (`roi`, computed apart, before `frequency`).
_WIRE_KPIS = tuple(
    _wire_kpi(name)
    for name in (
        "engagement_rate",
        "ctr",
        "conversion_rate",
        "cpm",
        "cpc",
        "cpa",
        "cpl",
        "roas",
        "roi",
        "frequency",
    )
)


def _exact_ratio(
    numerator: int | Decimal, denominator: int | Decimal, scale: int = 1
) -> tuple[float | None, int | Decimal | None]:
    """`ratio` as its JSON number (the float of its 6 places), and its exact value: in
    millionths for counts (int / int rounds correctly, as float(Decimal) does)."""
    if type(numerator) is int and type(denominator) is int and numerator >= 0 < denominator:
        quotient = micros(numerator, denominator, scale)
        return quotient / 1_000_000, quotient
    value = ratio(numerator, denominator, scale=scale)
    return (None, None) if value is None else (float(value), value)


def _decimal(exact: int | Decimal | None) -> Decimal | None:
    return Decimal(exact).scaleb(-6) if isinstance(exact, int) else exact


def wire_figures(
    sums: Sums,
    currency: str,
    production_cost: Decimal | None,
    targets: Mapping[str, Decimal | None] | None,
) -> dict[str, Any]:
    """A KPI row but its group, as JSON values: `figures` and `missed_targets`, with
    ratios as floats and money as decimal strings in `currency`'s places."""
    snapshots = int(sums["snapshots"])
    counters: dict[str, Any] = {}
    shares: dict[str, float | None] = {}
    for name, column, reporting, amount in _COUNTERS:
        count = sums[reporting]
        if not count:
            counters[name] = None
        elif amount:
            counters[name] = format(money.rounded(Decimal(sums[column]), currency), "f")
        else:
            counters[name] = sums[column]
        if snapshots > 0 and type(count) is int and count >= 0:
            shares[name] = micros(count, snapshots) / 1_000_000
        else:
            shares[name] = _exact_ratio(int(count), snapshots)[0]
    counters["production_cost"] = (
        None if production_cost is None else format(money.rounded(production_cost, currency), "f")
    )
    kpis: dict[str, Any] = {}
    exact: dict[str, Decimal | None] = {}
    for wire in _WIRE_KPIS:
        if wire is None:
            value = roi(sums, production_cost or Decimal(0))
            kpis["roi"] = None if value is None else float(value)
            continue
        name, num, den, scale, is_money = wire
        if is_money:
            cost = money_ratio(sums[num], sums[den], scale=scale, currency=currency)
            kpis[name] = None if cost is None else format(cost, "f")
            exact[name] = cost
        else:
            kpis[name], held = _exact_ratio(sums[num], sums[den], scale)
            if targets is not None and name in targets:
                exact[name] = _decimal(held)
    shares["reasons"] = reasons(sums, snapshots, exact=False)  # type: ignore[assignment]
    return {
        "snapshots": snapshots,
        "counters": counters,
        "coverage": shares,
        "kpis": kpis,
        "targets_missed": None if targets is None else missed_targets(sums, exact, targets),
    }
