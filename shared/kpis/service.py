"""The KPI endpoints (KPI-1..4, 7, 8): queries for the sums, `report` and `formulas` for
the figures, and the labels a reader needs (campaign names, item titles)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.campaigns.models import Campaign, CampaignStatus, Objective
from shared.content.models import ContentItem
from shared.db.uow import UnitOfWork
from shared.errors import FieldError, NotFound, ValidationFailed
from shared.kpis import formulas, ranges, report
from shared.kpis.measures import Sums, add, pair_columns, zero
from shared.kpis.queries import GroupBy, Key, Level, Scope, grouped_sums, production_costs
from shared.kpis.schemas import (
    AbTest,
    Benchmark,
    BestTimes,
    BudgetReport,
    CampaignBudget,
    ContentMatrix,
    Counters,
    Coverage,
    FunnelReport,
    FunnelStage,
    KpiReport,
    KpiRow,
    KpiValues,
    MatrixItem,
    MoneyRange,
    RangeOut,
    Reallocation,
    SpendSplit,
    Thresholds,
    TimeSlot,
    Variant,
)
from shared.kpis.targets import parse_targets
from shared.workspaces.models import Workspace
from shared.workspaces.service import get_workspace

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ITEM_GROUPS = frozenset({GroupBy.content_item, GroupBy.platform, GroupBy.format_, GroupBy.paid})


def check_level(scope: Scope, group_by: GroupBy | None = None) -> None:
    """Campaign-level snapshots have no platform, format or paid flag to filter or group
    on: asking for them is a mistake to report, not an empty answer."""
    if scope.level != Level.campaign:
        return
    errors = [
        FieldError(("query", name), "campaign-level snapshots have no " + name, "level")
        for name in ("platform", "format", "paid")
        if getattr(scope, name) is not None
    ]
    if group_by in ITEM_GROUPS:
        errors.append(
            FieldError(("query", "group_by"), f"level=campaign has no {group_by}", "level")
        )
    if errors:
        raise ValidationFailed(errors)


def _meta(scope: Scope, space: Workspace) -> dict[str, Any]:
    return {
        "start": scope.start,
        "end": scope.end,
        "granularity": scope.granularity,
        "level": scope.level.value,
        "timezone": scope.timezone,
        "currency": space.currency,
    }


def _figures_out(figures: report.Figures) -> tuple[Counters, Coverage, KpiValues]:
    return (
        Counters.model_validate(figures.counters),
        Coverage.model_validate(figures.coverage),
        KpiValues.model_validate(figures.kpis),
    )


@dataclass(frozen=True)
class CampaignInfo:
    name: str
    objective: Objective
    targets: dict[str, Decimal | None] | None


async def _campaigns(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Iterable[Any]
) -> dict[uuid.UUID, CampaignInfo]:
    """Names and targets only: a report may name a thousand campaigns."""
    wanted = {i for i in ids if isinstance(i, uuid.UUID)}
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(Campaign.id, Campaign.name, Campaign.objective, Campaign.targets).where(
            Campaign.workspace_id == workspace_id, Campaign.id.in_(wanted)
        )
    )
    return {
        id_: CampaignInfo(name, objective, parse_targets(targets) if targets else None)
        for id_, name, objective, targets in rows
    }


async def _items(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Iterable[Any]
) -> dict[uuid.UUID, ContentItem]:
    wanted = {i for i in ids if isinstance(i, uuid.UUID)}
    if not wanted:
        return {}
    rows = await session.scalars(
        sa.select(ContentItem).where(
            ContentItem.workspace_id == workspace_id, ContentItem.id.in_(wanted)
        )
    )
    return {row.id: row for row in rows}


def _group(
    group_by: GroupBy,
    value: Any,
    campaigns: Mapping[uuid.UUID, CampaignInfo],
    items: Mapping[uuid.UUID, ContentItem],
) -> dict[str, str | None]:
    if group_by == GroupBy.none:
        return {}
    if group_by == GroupBy.campaign:
        campaign = campaigns.get(value)
        return {"campaign_id": _str(value), "name": campaign.name if campaign else None}
    if group_by == GroupBy.content_item:
        item = items.get(value)
        return {"content_item_id": _str(value), "title": item.title if item else None}
    if group_by in {GroupBy.day, GroupBy.week, GroupBy.month}:
        return {"period_start": _str(value)}
    return {group_by.value: _str(value)}


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _order(value: Any) -> tuple[bool, str]:
    return (value is not None, _str(value) or "")


async def kpis(uow: UnitOfWork, scope: Scope, group_by: GroupBy) -> KpiReport:
    """KPI-1: counters, coverage and ratios per group, with the targets each row misses."""
    check_level(scope, group_by)
    session = uow.session
    space = await get_workspace(uow, scope.workspace_id)
    sums = await grouped_sums(session, scope, group_by)
    costs = await production_costs(session, scope, group_by)
    values = sorted((key[0] for key in sums), key=_order)
    campaign_ids: list[Any] = [scope.campaign_id] if scope.campaign_id else []
    if group_by == GroupBy.campaign:
        campaign_ids += values
    campaigns = await _campaigns(session, scope.workspace_id, campaign_ids)
    items = (
        await _items(session, scope.workspace_id, values)
        if group_by == GroupBy.content_item
        else {}
    )
    rows = []
    for value in values:
        group_sums = sums[(value,)]
        figures = report.figures(group_sums, costs.get((value,)))
        counters, coverage, kpi_values = _figures_out(figures)
        owner = campaigns.get(scope.campaign_id or value)
        in_scope = scope.campaign_id or group_by == GroupBy.campaign
        targets = owner.targets if owner is not None and in_scope else None
        rows.append(
            KpiRow(
                group=_group(group_by, value, campaigns, items),
                snapshots=figures.snapshots,
                counters=counters,
                coverage=coverage,
                kpis=kpi_values,
                targets_missed=None
                if targets is None
                else report.missed_targets(group_sums, figures.kpis, targets),
            )
        )
    return KpiReport(**_meta(scope, space), group_by=group_by.value, items=rows)


def _only(sums: Mapping[Key, Sums]) -> Sums:
    return add(*sums.values()) if sums else zero()


def _range_out(reference: formulas.Range) -> RangeOut:
    return RangeOut(low=reference.low, high=reference.high)


async def funnel(uow: UnitOfWork, scope: Scope) -> FunnelReport:
    """KPI-2: the four stages "from like to lead", each pass against the workspace's
    range, the leak, and CPM, engagement rate, CTR and conversion rate against theirs."""
    check_level(scope)
    space = await get_workspace(uow, scope.workspace_id)
    sums = _only(await grouped_sums(uow.session, scope))
    references = ranges.workspace_ranges(space.settings)
    counts = [
        ("captation", "impressions"),
        ("activation", "engagements"),
        ("consideration", "clicks"),
        ("conversion", "outcomes"),
    ]
    stages = formulas.funnel(
        [
            (
                name,
                report.counter(sums, counter),
                None
                if index == 0
                else formulas.ratio(
                    *report.pair(sums, counter, counts[index - 1][1])  # over both reported
                ),
            )
            for index, (name, counter) in enumerate(counts)
        ],
        [references[name] for name in ranges.PASSES],
    )
    figures = report.figures(sums)
    benchmarks = []
    for name in ranges.BENCHMARKS:
        value = figures.kpis[name]
        reference = references[name]
        money = report.BY_NAME[name].money
        benchmarks.append(
            Benchmark(
                kpi=name,
                value=None if value is None else str(value) if money else float(value),
                reference=MoneyRange(low=reference.low, high=reference.high)
                if money
                else _range_out(reference),
                position=reference.position(value),
            )
        )
    return FunnelReport(
        **_meta(scope, space),
        snapshots=figures.snapshots,
        stages=[
            FunnelStage(
                name=stage.name,
                counter="conversions + leads" if counter == "outcomes" else counter,
                count=stage.count,
                pass_rate=stage.pass_rate,
                reference=None if stage.reference is None else _range_out(stage.reference),
                position=stage.position,
            )
            for stage, (_, counter) in zip(stages, counts, strict=True)
        ],
        leak=formulas.leak(stages),
        benchmarks=benchmarks,
        coverage=Coverage.model_validate(figures.coverage),
    )


async def content_matrix(
    uow: UnitOfWork,
    scope: Scope,
    engagement_threshold: Decimal | None,
    conversion_threshold: Decimal | None,
) -> ContentMatrix:
    """KPI-3: each item's engagement and conversion rates and its quadrant; thresholds
    default to the medians over the items shown. Items without impressions are left out
    and counted."""
    check_level(scope, GroupBy.content_item)
    space = await get_workspace(uow, scope.workspace_id)
    sums = await grouped_sums(uow.session, scope, GroupBy.content_item)
    items = await _items(uow.session, scope.workspace_id, (key[0] for key in sums))
    shown, excluded = [], 0
    for (item_id,), item_sums in sums.items():
        impressions = report.counter(item_sums, "impressions")
        if not impressions or item_id not in items:
            excluded += 1
            continue
        figures = report.figures(item_sums)
        shown.append((items[item_id], item_sums, figures))
    from_query = engagement_threshold is not None and conversion_threshold is not None
    er_threshold = engagement_threshold
    if er_threshold is None:
        er_threshold = formulas.median([f.kpis["engagement_rate"] for _, _, f in shown])
    cr_threshold = conversion_threshold
    if cr_threshold is None:
        cr_threshold = formulas.median([f.kpis["conversion_rate"] for _, _, f in shown])
    rows = []
    quadrants = dict.fromkeys(formulas.QUADRANTS.values(), 0)
    for item, item_sums, figures in shown:
        er, cr = figures.kpis["engagement_rate"], figures.kpis["conversion_rate"]
        quadrant = formulas.quadrant(
            er,
            cr,
            er_threshold if er_threshold is not None else Decimal("Infinity"),
            cr_threshold if cr_threshold is not None else Decimal("Infinity"),
        )
        quadrants[quadrant] += 1
        rows.append(
            MatrixItem(
                content_item_id=item.id,
                title=item.title,
                platform=item.platform.value,
                format=item.format.value,
                impressions=int(item_sums["impressions"]),
                engagements=report.counter(item_sums, "engagements"),
                clicks=report.counter(item_sums, "clicks"),
                conversions=report.counter(item_sums, "conversions"),
                engagement_rate=er,
                conversion_rate=cr,
                quadrant=quadrant,
            )
        )
    rows.sort(key=lambda r: (-(r.engagement_rate or -1), str(r.content_item_id)))
    return ContentMatrix(
        **_meta(scope, space),
        thresholds=Thresholds(
            engagement_rate=er_threshold,
            conversion_rate=cr_threshold,
            source="query" if from_query else "median",
        ),
        quadrants=quadrants,
        excluded_without_impressions=excluded,
        items=rows,
    )


async def best_times(uow: UnitOfWork, scope: Scope, min_items: int, top: int = 5) -> BestTimes:
    """KPI-4: engagement rate by weekday and hour of publication in the workspace's time
    zone, pooled over the published items of each slot; the best slots with enough items."""
    check_level(scope, GroupBy.content_item)
    space = await get_workspace(uow, scope.workspace_id)
    zone = ZoneInfo(scope.timezone)
    sums = await grouped_sums(uow.session, scope, GroupBy.content_item)
    items = await _items(uow.session, scope.workspace_id, (key[0] for key in sums))
    slots: dict[tuple[int, int], list[Sums]] = defaultdict(list)
    for (item_id,), item_sums in sums.items():
        item = items.get(item_id)
        if item is None or item.published_at is None:
            continue
        if report.kpi_value(item_sums, report.BY_NAME["engagement_rate"]) is None:
            continue
        local = item.published_at.astimezone(zone)
        slots[(local.isoweekday(), local.hour)].append(item_sums)
    table = [
        TimeSlot(
            weekday=weekday,
            weekday_name=WEEKDAYS[weekday - 1],
            hour=hour,
            items=len(members),
            engagement_rate=report.kpi_value(add(*members), report.BY_NAME["engagement_rate"]),
        )
        for (weekday, hour), members in sorted(slots.items())
    ]
    ranked = sorted(
        (slot for slot in table if slot.items >= min_items),
        key=lambda s: (-(s.engagement_rate or 0), -s.items, s.weekday, s.hour),
    )
    return BestTimes(**_meta(scope, space), min_items=min_items, top=ranked[:top], slots=table)


def _spend(sums: Sums | None) -> Decimal:
    if sums is None:
        return Decimal("0.00")
    return Decimal(sums["spend"]).quantize(formulas.MONEY_PLACES)


async def budget(uow: UnitOfWork, scope: Scope, now: datetime) -> BudgetReport:
    """KPI-7: per campaign, spend against budget and a linear pace, the paid and organic
    split of spend and production cost, and where the rest of the budget would do most."""
    check_level(scope)
    session = uow.session
    space = await get_workspace(uow, scope.workspace_id)
    statement = sa.select(Campaign).where(Campaign.workspace_id == scope.workspace_id)
    if scope.campaign_id is not None:
        statement = statement.where(Campaign.id == scope.campaign_id)
    else:
        statement = statement.where(Campaign.status != CampaignStatus.archived)
    ordered = statement.order_by(Campaign.created_at, Campaign.id)
    campaigns = list((await session.scalars(ordered)).unique())
    as_of = min(now, scope.end) if scope.end is not None else now
    by_paid = await grouped_sums(session, scope, GroupBy.campaign, GroupBy.paid)
    costs = await production_costs(session, scope, GroupBy.campaign, GroupBy.paid)
    by_pair = await grouped_sums(
        session, scope, GroupBy.campaign, GroupBy.format_, GroupBy.platform
    )
    rows = []
    for campaign in campaigns:
        splits = {}
        for paid in (True, False):
            spend = _spend(by_paid.get((campaign.id, paid)))
            cost = costs.get((campaign.id, paid), Decimal("0.00"))
            splits[paid] = SpendSplit(spend=spend, production_cost=cost, total=spend + cost)
        spend = sum(
            (_spend(s) for (cid, _), s in by_paid.items() if cid == campaign.id), Decimal("0.00")
        )
        pace = formulas.pacing(campaign.budget, spend, campaign.starts_at, campaign.ends_at, as_of)
        remaining = None if campaign.budget is None else max(campaign.budget - spend, Decimal(0))
        rows.append(
            CampaignBudget(
                campaign_id=campaign.id,
                name=campaign.name,
                objective=campaign.objective.value,
                status=campaign.status.value,
                currency=campaign.currency,
                budget=campaign.budget,
                starts_at=campaign.starts_at,
                ends_at=campaign.ends_at,
                spend=spend,
                remaining=remaining,
                expected_spend=pace.expected_spend,
                pacing=pace.pacing,
                paid=splits[True],
                organic=splits[False],
                ranked_by=_ranked_by(campaign.objective),
                reallocation=_reallocation(campaign, by_pair, remaining),
            )
        )
    return BudgetReport(**_meta(scope, space), as_of=as_of, items=rows)


def _ranked_by(objective: Objective) -> Literal["roas", "cpl"]:
    return "cpl" if objective == Objective.leads else "roas"


def _reallocation(
    campaign: Campaign, by_pair: Mapping[Key, Sums], remaining: Decimal | None
) -> list[Reallocation]:
    """The campaign's format/platform pairs that spent, best first, with the share of
    spend each would get if the budget moved toward the better ones."""
    metric = _ranked_by(campaign.objective)
    pairs = []
    for (cid, content_format, platform), sums in by_pair.items():
        spend = _spend(sums)
        if cid != campaign.id or spend <= 0 or content_format is None:
            continue
        if metric == "cpl":
            value = report.kpi_value(sums, report.BY_NAME["cpl"])
            result: Decimal | int = sums[pair_columns("spend", "leads")[1]]
        else:
            value = report.kpi_value(sums, report.BY_NAME["roas"])
            result = sums[pair_columns("conversion_value", "spend")[0]]
        pairs.append((str(content_format), str(platform), spend, value, result))
    shares = formulas.reallocate([p[2] for p in pairs], [p[4] for p in pairs])
    rows = [
        Reallocation(
            format=content_format,
            platform=platform,
            spend=spend,
            value=value,
            current_share=share.current,
            suggested_share=share.suggested,
            suggested_spend=None
            if remaining is None or share.suggested is None
            else (remaining * share.suggested).quantize(formulas.MONEY_PLACES),
        )
        for (content_format, platform, spend, value, _), share in zip(pairs, shares, strict=True)
    ]
    return sorted(rows, key=lambda r: (-(r.suggested_share or -1), r.format, r.platform))


#: What an A/B test is judged on, by the campaign's objective.
AB_METRICS: dict[str, tuple[str, str]] = {
    "ctr": ("clicks", "impressions"),
    "conversion_rate": ("conversions", "clicks"),
    "lead_rate": ("leads", "clicks"),
}


def ab_metric(objective: Objective | None) -> Literal["ctr", "conversion_rate", "lead_rate"]:
    if objective == Objective.leads:
        return "lead_rate"
    if objective in {Objective.conversions, Objective.sales}:
        return "conversion_rate"
    return "ctr"


async def ab_test(
    uow: UnitOfWork,
    scope: Scope,
    group: str,
    metric: Literal["ctr", "conversion_rate", "lead_rate"] | None,
) -> AbTest:
    """KPI-8: per variant counters and rates; the best variant on the objective's metric
    against the runner-up with a pooled two-proportion z-test, the winner only when the
    difference is significant at 0.05."""
    check_level(scope, GroupBy.content_item)
    session = uow.session
    space = await get_workspace(uow, scope.workspace_id)
    members = list(
        await session.scalars(
            sa.select(ContentItem)
            .where(
                ContentItem.workspace_id == scope.workspace_id,
                ContentItem.ab_test_group == group,
            )
            .order_by(ContentItem.created_at, ContentItem.id)
        )
    )
    if not members:
        raise NotFound("A/B test group", group)
    if metric is None:
        campaigns = await _campaigns(session, scope.workspace_id, (m.campaign_id for m in members))
        objective = next(
            (campaigns[m.campaign_id].objective for m in members if m.campaign_id in campaigns),
            None,
        )
        metric = ab_metric(objective)
    scoped = Scope(**{**scope.__dict__, "content_item_ids": tuple(m.id for m in members)})
    sums = await grouped_sums(session, scoped, GroupBy.content_item)
    by_variant: dict[str, list[ContentItem]] = defaultdict(list)
    for member in members:
        by_variant[member.variant or "-"].append(member)
    variants, totals = [], {}
    for name, variant_items in by_variant.items():
        variant_sums = add(*(sums[(m.id,)] for m in variant_items if (m.id,) in sums))
        totals[name] = variant_sums
        rates = {
            rate: formulas.ratio(*report.pair(variant_sums, num, den))
            for rate, (num, den) in AB_METRICS.items()
        }
        variants.append(
            Variant(
                variant=name,
                content_item_ids=[m.id for m in variant_items],
                impressions=report.counter(variant_sums, "impressions"),
                clicks=report.counter(variant_sums, "clicks"),
                conversions=report.counter(variant_sums, "conversions"),
                leads=report.counter(variant_sums, "leads"),
                **rates,
            )
        )
    ranked = sorted(
        (v for v in variants if getattr(v, metric) is not None),
        key=lambda v: getattr(v, metric),
        reverse=True,
    )
    winner = runner_up = None
    z = p_value = None
    significant = False
    if len(ranked) >= 2:
        best, second = ranked[0], ranked[1]
        num, den = AB_METRICS[metric]
        successes_a, trials_a = report.pair(totals[best.variant], num, den)
        successes_b, trials_b = report.pair(totals[second.variant], num, den)
        test = formulas.two_proportion_z_test(
            int(successes_a), int(trials_a), int(successes_b), int(trials_b)
        )
        runner_up = second.variant
        if test is not None:
            z, p_value = round(test.z, 6), round(test.p_value, 6)
            significant = test.significant()
            winner = best.variant if significant else None
    return AbTest(
        **_meta(scope, space),
        group=group,
        metric=metric,
        variants=variants,
        winner=winner,
        runner_up=runner_up,
        z=z,
        p_value=p_value,
        significant=significant,
    )
