"""KPI-1: counters, coverage and ratios per group, with the campaign targets each row
misses; groups named (campaign names, item titles) for a reader."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel

from shared.content.models import ContentItem
from shared.db.uow import UnitOfWork
from shared.kpis import lookups, report
from shared.kpis.lookups import CampaignInfo
from shared.kpis.measures import Sums, zero
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


def _group_json(
    group_by: GroupBy,
    value: Any,
    campaigns: Mapping[uuid.UUID, CampaignInfo],
    items: Mapping[uuid.UUID, ContentItem],
) -> dict[str, Any]:
    """`_group`'s model as its JSON."""
    if group_by == GroupBy.none:
        return {}
    if group_by == GroupBy.campaign:
        campaign = campaigns.get(value)
        name = campaign.name if campaign else None
        return {"campaign_id": None if value is None else str(value), "name": name}
    if group_by == GroupBy.content_item:
        item = items.get(value)
        return {"content_item_id": str(value), "title": item.title if item else None}
    if group_by in {GroupBy.day, GroupBy.week, GroupBy.month}:
        return {"period_start": value.isoformat()}
    if group_by == GroupBy.paid:
        return {"paid": "true" if value else "false"}
    key = "platform" if group_by == GroupBy.platform else "format"
    return {key: str(getattr(value, "value", value))}


@dataclass(frozen=True)
class Line:
    """A row of the report before it is written: its group's value, sums and cost, and
    the targets it is held to (None: no targets apply)."""

    value: Any
    sums: Sums
    cost: Decimal | None
    targets: Mapping[str, Decimal | None] | None


@dataclass(frozen=True)
class KpiAnswer:
    """KPI-1's answer, written either way: JSON bytes straight from the sums, or the
    models (what a CSV walks, and the reference the JSON is tested against)."""

    head: KpiReportBase[Any]  # the report without its rows
    group_by: GroupBy
    currency: str
    lines: list[Line]
    campaigns: Mapping[uuid.UUID, CampaignInfo]
    items: Mapping[uuid.UUID, ContentItem]

    def report(self) -> KpiReportBase[Any]:
        """The report as models, its figures from `report.figures`."""
        _, row = _ANSWERS[self.group_by]
        rows = []
        for line in self.lines:
            figures = report.figures(line.sums, self.currency, line.cost)
            counters, coverage, kpi_values = _figures_out(figures)
            rows.append(
                row(
                    group=_group(self.group_by, line.value, self.campaigns, self.items),
                    snapshots=figures.snapshots,
                    counters=counters,
                    coverage=coverage,
                    kpis=kpi_values,
                    targets_missed=None
                    if line.targets is None
                    else report.missed_targets(line.sums, figures.kpis, line.targets),
                )
            )
        return self.head.model_copy(update={"items": rows})

    def json(self) -> bytes:
        """The report's JSON, as `report().model_dump_json(by_alias=True)` writes it."""
        head = self.head.model_dump_json(by_alias=True).encode()
        empty = b"[]}"
        assert head.endswith(empty), "the rows are the report's last field"
        rows = [
            {
                "group": _group_json(self.group_by, line.value, self.campaigns, self.items),
                **report.wire_figures(line.sums, self.currency, line.cost, line.targets),
            }
            for line in self.lines
        ]
        return head[: -len(empty)] + orjson.dumps(rows) + b"}"


async def kpis(uow: UnitOfWork, scope: Scope, group_by: GroupBy) -> KpiAnswer:
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
    in_scope = scope.campaign_id is not None or group_by == GroupBy.campaign
    lines = []
    for value in values:
        owner = campaigns.get(scope.campaign_id or value)
        lines.append(
            Line(
                value=value,
                sums=sums.get((value,)) or zero(),
                cost=costs.get((value,)),
                targets=owner.targets if owner is not None and in_scope else None,
            )
        )
    answer, _ = _ANSWERS[group_by]
    head = answer(**meta(scope, space), group_by=group_by.value, items=[])
    return KpiAnswer(head, group_by, space.currency, lines, campaigns, items)
