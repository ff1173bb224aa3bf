"""The KPI report's JSON written straight from the sums (`report.wire_figures`,
`KpiAnswer.json`) is byte for byte what the models built from the reference formulas
(`report.figures`) serialise to: on random sums with unreported counters, zero
denominators, negative restatements, amounts to round in currencies of 0, 2 and 3 places,
production costs and campaign targets, for every grouping."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.campaigns.models import Objective
from shared.content.models import ContentItem
from shared.kpis.formulas import micros, ratio
from shared.kpis.lookups import CampaignInfo
from shared.kpis.measures import MONEY_COLUMNS, SUM_COLUMNS, reported
from shared.kpis.queries import GroupBy
from shared.kpis.reports.summary import _ANSWERS, KpiAnswer, Line
from shared.metrics.models import Granularity

CURRENCIES = ("EUR", "JPY", "TND")


def random_sums(rng: random.Random) -> dict[str, int | Decimal]:
    """Sums as a read returns them: counts as ints, money as decimals of any places (a
    division or a rollup of restated rows), some zero, some unreported, a few negative."""
    sums: dict[str, int | Decimal] = {}
    for name in SUM_COLUMNS:
        roll = rng.random()
        if name in MONEY_COLUMNS:
            places = rng.choice((0, 2, 4))
            amount = Decimal(rng.randrange(0, 10**7)).scaleb(-places)
            sums[name] = Decimal(0) if roll < 0.15 else -amount if roll < 0.2 else amount
        else:
            count = rng.randrange(0, 10**6) if roll > 0.5 else rng.randrange(0, 50)
            sums[name] = 0 if roll < 0.15 else -count if roll < 0.18 else count
    for name in ("impressions", "clicks", "spend", "conversion_value", "leads"):
        if rng.random() < 0.2:
            sums[reported(name)] = 0  # no snapshot reported it
    if rng.random() < 0.05:
        sums["snapshots"] = 0
    return sums


def random_targets(rng: random.Random) -> dict[str, Decimal | None] | None:
    if rng.random() < 0.3:
        return None
    names = ("cpa", "cpl", "ctr", "roas", "engagement_rate", "frequency", "conversion_rate")
    return {
        name: None if rng.random() < 0.2 else Decimal(rng.randrange(0, 3000)).scaleb(-3)
        for name in rng.sample(names, rng.randrange(0, len(names)))
    }


def group_values(group_by: GroupBy, count: int) -> list[Any]:
    if group_by == GroupBy.campaign:  # None: content outside any campaign
        return [None, *(uuid.UUID(int=i + 1) for i in range(count - 1))]
    if group_by == GroupBy.content_item:
        return [uuid.UUID(int=i + 1) for i in range(count)]
    if group_by in {GroupBy.day, GroupBy.week, GroupBy.month}:
        return [date(2026, 1, 1 + i) for i in range(count)]
    others: dict[GroupBy, list[Any]] = {
        GroupBy.platform: ["instagram", "tiktok"],
        GroupBy.format_: ["post", "reel"],
        GroupBy.paid: [False, True],
        GroupBy.none: [None],
    }
    return others[group_by]


def answer(rng: random.Random, group_by: GroupBy, currency: str) -> KpiAnswer:
    values = group_values(group_by, 12)
    campaigns = {
        value: CampaignInfo(f"Campaign {i} «été»", Objective.sales, None)
        for i, value in enumerate(values)
        if isinstance(value, uuid.UUID) and i % 3
    }
    items = {
        value: ContentItem(title=None if i % 4 == 0 else f'Reel "{i}"')
        for i, value in enumerate(values)
        if isinstance(value, uuid.UUID) and i % 5
    }
    lines = [
        Line(
            value=value,
            sums=random_sums(rng),
            cost=None
            if rng.random() < 0.4
            else Decimal(rng.randrange(0, 10**6)).scaleb(-rng.choice((0, 2, 3))),
            targets=random_targets(rng),
        )
        for value in values
    ]
    report_type, _ = _ANSWERS[group_by]
    head = report_type(
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=None,
        granularity=Granularity.day,
        level="content_item",
        timezone="Europe/Paris",
        currency=currency,
        group_by=group_by.value,
        items=[],
    )
    return KpiAnswer(head, group_by, currency, lines, campaigns, items)


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_the_json_written_from_sums_is_the_reference_models_json(group_by: GroupBy) -> None:
    rng = random.Random(f"wire-{group_by}")
    for _ in range(30):
        built = answer(rng, group_by, rng.choice(CURRENCIES))
        assert built.json() == built.report().model_dump_json(by_alias=True).encode()


def test_targets_are_missed_as_the_reference_misses_them() -> None:
    """Held to targets on both sides of each figure, the rows miss some and not others."""
    rng = random.Random(7)
    missed: set[str] = set()
    for _ in range(200):
        built = answer(rng, GroupBy.campaign, "EUR")
        reference = built.report()
        assert built.json() == reference.model_dump_json(by_alias=True).encode()
        missed.update(m for row in reference.items for m in row.targets_missed or [])
    assert missed == {"cpa", "cpl", "ctr", "roas", "engagement_rate"}


def test_micros_is_the_ratio_in_millionths() -> None:
    rng = random.Random(3)
    cases = [(1, 2_000_000, 1), (3, 2_000_000, 1), (5, 2_000_000, 1), (2, 3, 1000), (0, 7, 1)]
    cases += [(rng.randrange(0, 10**9), rng.randrange(1, 10**9), 1) for _ in range(500)]
    for numerator, denominator, scale in cases:
        exact = ratio(numerator, denominator, scale=scale)
        assert exact is not None
        quotient = micros(numerator, denominator, scale)
        assert Decimal(quotient).scaleb(-6) == exact
        assert quotient / 1_000_000 == float(exact)
