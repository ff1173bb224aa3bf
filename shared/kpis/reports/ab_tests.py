"""KPI-8: an A/B test's variants, its leader, and its winner by a two-proportion z-test."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from shared.content.models import ContentItem
from shared.db.uow import UnitOfWork
from shared.errors import NotFound
from shared.kpis import formulas, lookups, report
from shared.kpis.formulas import AB_METRICS, AbMetric
from shared.kpis.measures import Sums, add
from shared.kpis.queries import GroupBy, Key, Scope, grouped_sums
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import AbTest, Variant


async def _default_metric(uow: UnitOfWork, scope: Scope, members: list[ContentItem]) -> AbMetric:
    """The metric of the first member's campaign objective that is known."""
    campaigns = await lookups.campaign_infos(
        uow.session, scope.workspace_id, (m.campaign_id for m in members)
    )
    objective = next(
        (campaigns[m.campaign_id].objective for m in members if m.campaign_id in campaigns),
        None,
    )
    return formulas.ab_metric(objective)


def _variant(name: str, members: list[ContentItem], sums: Sums) -> Variant:
    rates = {
        rate: formulas.ratio(*report.pair(sums, num, den))
        for rate, (num, den) in AB_METRICS.items()
    }
    return Variant(
        variant=name,
        content_item_ids=[m.id for m in members],
        impressions=report.counter(sums, "impressions"),
        clicks=report.counter(sums, "clicks"),
        conversions=report.counter(sums, "conversions"),
        leads=report.counter(sums, "leads"),
        **rates,
    )


def _totals(
    members: list[ContentItem], sums: Mapping[Key, Sums]
) -> dict[str, tuple[list[ContentItem], Sums]]:
    """Each variant's items (a member without a variant is `-`) and their summed counters."""
    by_variant: dict[str, list[ContentItem]] = defaultdict(list)
    for member in members:
        by_variant[member.variant or "-"].append(member)
    return {
        name: (items, add(*(sums[(m.id,)] for m in items if (m.id,) in sums)))
        for name, items in by_variant.items()
    }


def leader(arms: Sequence[formulas.Arm]) -> str | None:
    """The arm ahead now, significant or not, by its exact rate (6-place rates can tie
    where the counts do not); None when no arm has a rate or the best two are level."""
    measured = [arm for arm in arms if arm.rate is not None and arm.trials > 0]
    rates = sorted(
        ((Fraction(arm.successes, arm.trials), arm.name) for arm in measured),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not rates or (len(rates) > 1 and rates[0][0] == rates[1][0]):
        return None
    return rates[0][1]


async def ab_test(uow: UnitOfWork, scope: Scope, group: str, metric: AbMetric | None) -> AbTest:
    """KPI-8: per variant counters and rates; the best variant on the objective's metric
    against the runner-up with a pooled two-proportion z-test, the winner only when the
    difference is significant at 0.05; the leader whatever the significance (the winner
    when there is one)."""
    check_level(scope, GroupBy.content_item)
    space = await lookups.workspace(uow.session, scope.workspace_id)
    members = await lookups.ab_test_members(uow.session, scope.workspace_id, group)
    if not members:
        raise NotFound("A/B test group", group)
    if metric is None:
        metric = await _default_metric(uow, scope, members)
    scoped = replace(scope, content_item_ids=tuple(m.id for m in members))
    totals = _totals(members, await grouped_sums(uow.session, scoped, GroupBy.content_item))
    variants = [_variant(name, items, sums) for name, (items, sums) in totals.items()]
    num, den = AB_METRICS[metric]
    arms = []
    for name, (_, sums) in totals.items():
        successes, trials = report.pair(sums, num, den)
        rate = formulas.ratio(successes, trials)  # the variant's rate on the metric
        arms.append(formulas.Arm(name, rate, int(successes), int(trials)))
    verdict = formulas.ab_verdict(arms)
    return AbTest(
        **meta(scope, space),
        group=group,
        metric=metric,
        variants=variants,
        leader=verdict.winner or leader(arms),
        winner=verdict.winner,
        runner_up=verdict.runner_up,
        z=verdict.z,
        p_value=verdict.p_value,
        significant=verdict.significant,
    )
