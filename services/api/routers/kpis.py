"""KPI endpoints (docs/contract.md, Analytics): JSON, or CSV for spreadsheets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from starlette.responses import Response

from services.api.csv_output import CSV_RESPONSE, report_answer, wants_csv
from services.api.deps import UoW, ViewerKey, v1_router
from services.api.problems import NOT_FOUND
from shared.content.models import ContentFormat
from shared.db.base import utcnow
from shared.errors import FieldError, ValidationFailed
from shared.kpis.queries import GroupBy, Scope, SnapshotLevel
from shared.kpis.reports.ab_tests import ab_test
from shared.kpis.reports.best_times import best_times
from shared.kpis.reports.budget import budget
from shared.kpis.reports.content_matrix import content_matrix
from shared.kpis.reports.funnel import funnel
from shared.kpis.reports.summary import kpis
from shared.kpis.schemas import (
    AbTest,
    BestTimes,
    BudgetReport,
    CampaignBudget,
    ContentMatrix,
    FunnelReport,
    FunnelStage,
    KpiReport,
    KpiRow,
    MatrixItem,
    TimeSlot,
    Variant,
)
from shared.metrics.models import Granularity
from shared.schemas import PRINTABLE, Share, Timestamp
from shared.social_accounts.models import Platform
from shared.workspaces.service import get_workspace

router = v1_router("/kpis", "kpis")

_FORMATS = "|".join(f.value for f in ContentFormat)


@dataclass(frozen=True)
class KpiQuery:
    scope: Scope
    csv: bool


async def kpi_query(
    request: Request,
    uow: UoW,
    key: ViewerKey,
    start: Timestamp | None = Query(
        default=None, alias="from", description="period_start >= (RFC 3339)"
    ),
    end: Timestamp | None = Query(default=None, alias="to", description="period_start <"),
    campaign_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    format: str | None = Query(
        default=None,
        pattern=f"^({_FORMATS}|csv)$",
        max_length=20,
        description="A content format to keep, or `csv` for a CSV answer (to filter on a "
        "format and get CSV, send `Accept: text/csv`).",
    ),
    paid: bool | None = None,
    granularity: Granularity = Query(
        default=Granularity.day, description="Which snapshots to add up: daily or hourly."
    ),
    level: SnapshotLevel = Query(
        default=SnapshotLevel.content_item,
        description="`content_item`: the items' snapshots; `campaign`: the campaigns' own "
        "(never both, which would count twice).",
    ),
) -> KpiQuery:
    if start is not None and end is not None and end <= start:
        raise ValidationFailed([FieldError(("query", "to"), "must be after `from`", "range")])
    space = await get_workspace(uow, key.workspace_id)
    scope = Scope(
        workspace_id=key.workspace_id,
        timezone=space.timezone,
        start=start,
        end=end,
        granularity=granularity,
        level=level,
        campaign_id=campaign_id,
        platform=platform,
        format=None if format in (None, "csv") else ContentFormat(format),
        paid=paid,
    )
    return KpiQuery(scope=scope, csv=wants_csv(request, format))


Filters = Annotated[KpiQuery, Depends(kpi_query)]


@router.get(
    "",
    response_model=KpiReport,
    summary="Counters, coverage and KPIs per group, with missed campaign targets",
    responses=CSV_RESPONSE,
)
async def get_kpis(
    uow: UoW,
    query: Filters,
    group_by: GroupBy = Query(default=GroupBy.none, description="One row per ..."),
) -> Response:
    result = await kpis(uow, query.scope, group_by)
    return report_answer(query.csv, result, result.items, "kpis", KpiRow)


@router.get(
    "/funnel",
    response_model=FunnelReport,
    summary="The funnel from impression to conversion, its leak and reference ranges",
    responses=CSV_RESPONSE,
)
async def get_funnel(uow: UoW, query: Filters) -> Response:
    result = await funnel(uow, query.scope)
    rows = [{"kind": "stage", **s.model_dump(mode="json")} for s in result.stages]
    rows += [{"kind": "benchmark", **b.model_dump(mode="json")} for b in result.benchmarks]
    return report_answer(query.csv, result, rows, "funnel", FunnelStage)


@router.get(
    "/content-matrix",
    response_model=ContentMatrix,
    summary="Content items by engagement and conversion rate, in four quadrants",
    responses=CSV_RESPONSE,
)
async def get_content_matrix(
    uow: UoW,
    query: Filters,
    engagement_threshold: Share | None = Query(
        default=None, description="High engagement from here; default: the median."
    ),
    conversion_threshold: Share | None = Query(
        default=None, description="High conversion from here; default: the median."
    ),
) -> Response:
    result = await content_matrix(uow, query.scope, engagement_threshold, conversion_threshold)
    return report_answer(query.csv, result, result.items, "content-matrix", MatrixItem)


@router.get(
    "/best-times",
    response_model=BestTimes,
    summary="Engagement rate by weekday and hour of publication (workspace time zone)",
    responses=CSV_RESPONSE,
)
async def get_best_times(
    uow: UoW,
    query: Filters,
    min_items: int = Query(default=3, ge=1, le=1000, description="Items a top slot needs."),
) -> Response:
    result = await best_times(uow, query.scope, min_items)
    return report_answer(query.csv, result, result.slots, "best-times", TimeSlot)


@router.get(
    "/budget",
    response_model=BudgetReport,
    summary="Budget pacing per campaign, paid/organic split and a reallocation suggestion",
    responses=CSV_RESPONSE,
)
async def get_budget(uow: UoW, query: Filters) -> Response:
    result = await budget(uow, query.scope, utcnow())
    return report_answer(query.csv, result, result.items, "budget", CampaignBudget)


@router.get(
    "/ab-tests/{group}",
    response_model=AbTest,
    summary="An A/B test's variants and its winner, with a two-proportion z-test",
    responses={**NOT_FOUND, **CSV_RESPONSE},
)
async def get_ab_test(
    uow: UoW,
    query: Filters,
    group: Annotated[str, Path(min_length=1, max_length=100, pattern=PRINTABLE)],
    metric: Literal["ctr", "conversion_rate", "lead_rate"] | None = Query(
        default=None,
        description="Default: from the campaign objective (lead_rate for leads, "
        "conversion_rate for conversions and sales, ctr otherwise).",
    ),
) -> Response:
    result = await ab_test(uow, query.scope, group, metric)
    return report_answer(query.csv, result, result.variants, "ab-test", Variant)
