"""KPI-7: budget pacing per campaign, the paid and organic split, and a reallocation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from shared import money
from shared.campaigns.models import Campaign
from shared.db.uow import UnitOfWork
from shared.kpis import formulas, lookups, report
from shared.kpis.measures import Sums, pair_columns
from shared.kpis.queries import GroupBy, Key, Scope, grouped_sums, production_costs
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import BudgetReport, CampaignBudget, Reallocation, SpendSplit


def _spend(sums: Sums | None, currency: str) -> Decimal:
    return money.rounded(Decimal(0 if sums is None else sums["spend"]), currency)


async def budget(uow: UnitOfWork, scope: Scope, now: datetime) -> BudgetReport:
    """KPI-7: per campaign, spend against budget and a linear pace, the paid and organic
    split of spend and production cost, and where the rest of the budget would do most."""
    check_level(scope)
    session = uow.session
    space = await lookups.workspace(session, scope.workspace_id)
    campaigns = await lookups.budget_campaigns(session, scope)
    as_of = min(now, scope.end) if scope.end is not None else now
    by_paid = await grouped_sums(session, scope, GroupBy.campaign, GroupBy.paid)
    costs = await production_costs(session, scope, GroupBy.campaign, GroupBy.paid)
    by_pair = await grouped_sums(
        session, scope, GroupBy.campaign, GroupBy.format_, GroupBy.platform
    )
    rows = [_campaign_budget(campaign, by_paid, costs, by_pair, as_of) for campaign in campaigns]
    return BudgetReport(**meta(scope, space), as_of=as_of, items=rows)


def _campaign_budget(
    campaign: Campaign,
    by_paid: Mapping[Key, Sums],
    costs: Mapping[Key, Decimal],
    by_pair: Mapping[Key, Sums],
    as_of: datetime,
) -> CampaignBudget:
    currency = campaign.currency
    splits = {}
    for paid in (True, False):
        spend = _spend(by_paid.get((campaign.id, paid)), currency)
        cost = money.rounded(costs.get((campaign.id, paid), Decimal(0)), currency)
        splits[paid] = SpendSplit(spend=spend, production_cost=cost, total=spend + cost)
    spend = sum(
        (_spend(s, currency) for (cid, _), s in by_paid.items() if cid == campaign.id),
        money.rounded(Decimal(0), currency),
    )
    pace = formulas.pacing(
        campaign.budget, spend, campaign.starts_at, campaign.ends_at, as_of, currency
    )
    remaining = formulas.remaining_budget(campaign.budget, spend)
    return CampaignBudget(
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
        ranked_by=formulas.reallocation_metric(campaign.objective),
        reallocation=_reallocation(campaign, by_pair, remaining),
    )


def _reallocation(
    campaign: Campaign, by_pair: Mapping[Key, Sums], remaining: Decimal | None
) -> list[Reallocation]:
    """The campaign's format/platform pairs that spent, best first, with the share of
    spend each would get if the budget moved toward the better ones."""
    metric = formulas.reallocation_metric(campaign.objective)
    pairs = []
    for (cid, content_format, platform), sums in by_pair.items():
        spend = _spend(sums, campaign.currency)
        if cid != campaign.id or spend <= 0 or content_format is None:
            continue
        if metric == "cpl":
            value = report.kpi_value(sums, report.BY_NAME["cpl"], campaign.currency)
            result: Decimal | int = sums[pair_columns("spend", "leads")[1]]
        else:
            value = report.kpi_value(sums, report.BY_NAME["roas"], campaign.currency)
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
            suggested_spend=formulas.suggested_spend(remaining, share.suggested, campaign.currency),
        )
        for (content_format, platform, spend, value, _), share in zip(pairs, shares, strict=True)
    ]
    return sorted(rows, key=lambda r: (-(r.suggested_share or -1), r.format, r.platform))
