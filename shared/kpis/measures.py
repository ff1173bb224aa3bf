"""What KPI queries add up, defined once for the rollups, their upkeep and raw reads.

Honest numbers (docs/contract.md, Analytics) need more than plain sums: for each counter, how many
snapshots reported it (coverage, and null instead of 0 when none did), and for each ratio
its two counters summed over the snapshots that report *both*. Every such sum is
additive, so daily and monthly rollups hold exactly the same columns as a raw read.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement, Label

from shared.metrics.models import AMOUNTS, MEASURES, Reason

#: Conversions + leads: the last stage of the funnel (KPI-2), null when neither is reported.
OUTCOMES = "outcomes"
COUNTED = (*MEASURES, OUTCOMES)

#: (numerator, denominator) of every ratio a KPI endpoint publishes.
PAIRS: tuple[tuple[str, str], ...] = (
    ("engagements", "impressions"),
    ("clicks", "impressions"),
    ("conversions", "clicks"),
    ("leads", "clicks"),
    (OUTCOMES, "clicks"),
    ("clicks", "engagements"),
    ("spend", "impressions"),
    ("spend", "clicks"),
    ("spend", "conversions"),
    ("spend", "leads"),
    ("conversion_value", "spend"),
    ("impressions", "reach"),
)


def pair_columns(numerator: str, denominator: str) -> tuple[str, str]:
    return f"{numerator}_{denominator}_num", f"{numerator}_{denominator}_den"


def reported(name: str) -> str:
    return f"{name}_n"


def unreported(name: str, reason: Reason) -> str:
    """The count of snapshots that left `name` null for `reason`."""
    return f"{name}_{reason.value}"


#: (measure, reason, column) of every reason count.
REASON_COLUMNS = tuple(
    (name, reason, unreported(name, reason)) for name in MEASURES for reason in Reason
)

#: Every additive column: a rollup row's measures, and a raw read's aggregates.
SUM_COLUMNS: tuple[str, ...] = (
    "snapshots",
    *COUNTED,
    *(reported(name) for name in COUNTED),
    *(column for pair in PAIRS for column in pair_columns(*pair)),
    *(column for _, _, column in REASON_COLUMNS),
)
#: The SUM_COLUMNS that hold money (exact decimals); the others are counts.
MONEY_COLUMNS = frozenset(
    (
        *AMOUNTS,
        *(pair_columns(n, d)[0] for n, d in PAIRS if n in AMOUNTS),
        *(pair_columns(n, d)[1] for n, d in PAIRS if d in AMOUNTS),
    )
)


def measure(source: sa.FromClause, name: str) -> ColumnElement[object]:
    """A snapshot's value of a counted measure (a column, or `outcomes` derived)."""
    if name != OUTCOMES:
        return source.c[name]
    conversions, leads = source.c.conversions, source.c.leads
    return sa.case(
        (sa.and_(conversions.is_(None), leads.is_(None)), sa.null()),
        else_=sa.func.coalesce(conversions, 0) + sa.func.coalesce(leads, 0),
    )


def contributions(source: sa.FromClause, sign: int = 1) -> list[Label[object]]:
    """The SUM_COLUMNS aggregates of snapshot rows, times `sign` (-1 takes rows out of a
    rollup they were added to)."""

    def signed(expression: ColumnElement[Any], name: str) -> Label[object]:
        total = _typed(sa.func.coalesce(expression, 0), name)
        return (total if sign == 1 else total * sign).label(name)

    columns = [signed(sa.func.count(), "snapshots")]
    for name in COUNTED:
        columns.append(signed(sa.func.sum(measure(source, name)), name))
    for name in COUNTED:
        columns.append(signed(sa.func.count(measure(source, name)), reported(name)))
    for numerator, denominator in PAIRS:
        num, den = measure(source, numerator), measure(source, denominator)
        both = sa.and_(num.is_not(None), den.is_not(None))
        num_column, den_column = pair_columns(numerator, denominator)
        columns.append(signed(sa.func.sum(num).filter(both), num_column))
        columns.append(signed(sa.func.sum(den).filter(both), den_column))
    why = source.c.unreported
    for name, reason, column in REASON_COLUMNS:
        said = sa.and_(why.is_not(None), why[name].astext == reason.value)
        columns.append(signed(sa.func.count().filter(said), column))
    return columns


def _typed(total: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    """Counts back to bigint: PostgreSQL sums bigints into numeric, and adding numerics
    again (rollup parts, unions) is several times slower than adding bigints."""
    return total if name in MONEY_COLUMNS else sa.cast(total, sa.BigInteger)


def totals(source: sa.FromClause) -> list[Label[object]]:
    """SUM_COLUMNS re-added over rows that already hold them (rollups, unions)."""
    return [
        _typed(sa.func.coalesce(sa.func.sum(source.c[name]), 0), name).label(name)
        for name in SUM_COLUMNS
    ]


Sums = Mapping[str, int | Decimal]


def zero() -> dict[str, int | Decimal]:
    """The sums of no snapshot at all."""
    return {name: Decimal(0) if name in MONEY_COLUMNS else 0 for name in SUM_COLUMNS}


def add(*parts: Sums) -> dict[str, int | Decimal]:
    total = zero()
    for part in parts:
        for name in SUM_COLUMNS:
            total[name] += part[name]
    return total
