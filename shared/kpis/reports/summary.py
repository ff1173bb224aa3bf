"""KPI-1: counters, coverage and ratios per group, with the campaign targets each row
misses; groups named (campaign names, item titles) for a reader."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from shared.content.models import ContentItem
from shared.db.uow import UnitOfWork
from shared.kpis import lookups, report
from shared.kpis.lookups import CampaignInfo
from shared.kpis.measures import zero
from shared.kpis.queries import GroupBy, Scope, grouped_sums, production_costs
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import (
    CampaignGroup,
    CampaignKpiReport,
    ContentItemGroup,
    ContentItemKpiReport,
    Counters,
    Coverage,
    FormatGroup,
    FormatKpiReport,
    KpiReportBase,
    KpiRow,
    KpiValues,
    PaidGroup,
    PaidKpiReport,
    PeriodGroup,
    PeriodKpiReport,
    PlatformGroup,
    PlatformKpiReport,
    TotalGroup,
    TotalKpiReport,
)

#: The answer of each grouping, and the row it holds (its `group` typed).
_ANSWERS: dict[GroupBy, tuple[type[KpiReportBase[Any]], type[KpiRow[Any]]]] = {
    GroupBy.campaign: (CampaignKpiReport, KpiRow[CampaignGroup]),
    GroupBy.content_item: (ContentItemKpiReport, KpiRow[ContentItemGroup]),
    GroupBy.platform: (PlatformKpiReport, KpiRow[PlatformGroup]),
    GroupBy.format_: (FormatKpiReport, KpiRow[FormatGroup]),
    GroupBy.paid: (PaidKpiReport, KpiRow[PaidGroup]),
    GroupBy.day: (PeriodKpiReport, KpiRow[PeriodGroup]),
    GroupBy.week: (PeriodKpiReport, KpiRow[PeriodGroup]),
    GroupBy.month: (PeriodKpiReport, KpiRow[PeriodGroup]),
    GroupBy.none: (TotalKpiReport, KpiRow[TotalGroup]),
}


def _figures_out(figures: report.Figures) -> tuple[Counters, Coverage, KpiValues]:
    return (
        Counters.model_validate(figures.counters),
        Coverage.model_validate(figures.coverage),
        KpiValues.model_validate(figures.kpis),
    )


def _group(
    group_by: GroupBy,
    value: Any,
    campaigns: Mapping[uuid.UUID, CampaignInfo],
    items: Mapping[uuid.UUID, ContentItem],
) -> BaseModel:
    if group_by == GroupBy.none:
        return TotalGroup()
    if group_by == GroupBy.campaign:
        campaign = campaigns.get(value)
        return CampaignGroup(campaign_id=value, name=campaign.name if campaign else None)
    if group_by == GroupBy.content_item:
        item = items.get(value)
        return ContentItemGroup(content_item_id=value, title=item.title if item else None)
    if group_by in {GroupBy.day, GroupBy.week, GroupBy.month}:
        return PeriodGroup(period_start=value)
    if group_by == GroupBy.platform:
        return PlatformGroup(platform=value)
    if group_by == GroupBy.format_:
        return FormatGroup(format=value)
    return PaidGroup(paid="true" if value else "false")


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


async def kpis(uow: UnitOfWork, scope: Scope, group_by: GroupBy) -> KpiReportBase[Any]:
    """KPI-1: counters, coverage and ratios per group, with the targets each row misses."""
    check_level(scope, group_by)
    session = uow.session
    space = await lookups.workspace(session, scope.workspace_id)
    sums = await grouped_sums(session, scope, group_by)
    costs = await production_costs(session, scope, group_by)
    # A group with a cost booked and no snapshot (published the day before it first
    # reports) is a row too: every booked cost is in one row, whatever the grouping.
    values = sorted({key[0] for key in (*sums, *costs)}, key=_order)
    campaign_ids: list[Any] = [scope.campaign_id] if scope.campaign_id else []
    if group_by == GroupBy.campaign:
        campaign_ids += values
    campaigns = await lookups.campaign_infos(session, scope.workspace_id, campaign_ids)
    items = (
        await lookups.content_items(session, scope.workspace_id, values)
        if group_by == GroupBy.content_item
        else {}
    )
    answer, row = _ANSWERS[group_by]
    rows = []
    for value in values:
        group_sums = sums.get((value,)) or zero()
        figures = report.figures(group_sums, space.currency, costs.get((value,)))
        counters, coverage, kpi_values = _figures_out(figures)
        owner = campaigns.get(scope.campaign_id or value)
        in_scope = scope.campaign_id or group_by == GroupBy.campaign
        targets = owner.targets if owner is not None and in_scope else None
        rows.append(
            row(
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
    return answer(**meta(scope, space), group_by=group_by.value, items=rows)
