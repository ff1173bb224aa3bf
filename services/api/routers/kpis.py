"""KPI endpoints (docs/contract.md, Analytics): JSON, or CSV for spreadsheets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from starlette.responses import Response

from services.api.csv_output import CSV_RESPONSE, CsvAsk, CsvAsked, CsvFormat, report_answer
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
    ContentMatrix,
    FunnelReport,
    KpiReport,
    KpiRow,
    MatrixItem,
    MoneyRange,
    RangeOut,
    RatioOut,
    Reallocation,
    SpendSplit,
    TimeSlot,
    Variant,
)
from shared.metrics.models import Granularity
from shared.schemas import PRINTABLE, MoneyOut, Share, Timestamp
from shared.social_accounts.models import Platform
from shared.workspaces.service import get_workspace

router = v1_router("/kpis", "kpis")

_FORMATS = frozenset(f.value for f in ContentFormat)


def _format_or_csv(value: str) -> str:
    if value != "csv" and value not in _FORMATS:
        raise ValueError(
            f"not a content format ({', '.join(f.value for f in ContentFormat)}), nor the "
            "deprecated `csv` (ask `export=csv` instead)"
        )
    return value


#: A content format to keep; `csv`, from before `export=csv`, still means a CSV answer. One
#: name cannot be two parameters, so the schema deprecates the value: `deprecated` on the
#: `csv` branch of an `anyOf` (JSON Schema 2020-12, OpenAPI 3.1), the formats by reference.
FormatFilter = Annotated[
    str,
    AfterValidator(_format_or_csv),
    WithJsonSchema(
        {
            "anyOf": [
                {"$ref": "#/components/schemas/ContentFormat"},
                {
                    "type": "string",
                    "const": "csv",
                    "deprecated": True,
                    "description": "Deprecated alias of `export=csv`: a CSV answer, "
                    "with no format filter.",
                },
            ]
        }
    ),
]


@dataclass(frozen=True)
class KpiQuery:
    scope: Scope
    csv: CsvFormat | None


async def kpi_query(
    uow: UoW,
    key: ViewerKey,
    asked: CsvAsked,
    start: Timestamp | None = Query(
        default=None, alias="from", description="period_start >= (RFC 3339)"
    ),
    end: Timestamp | None = Query(default=None, alias="to", description="period_start <"),
    campaign_id: uuid.UUID | None = None,
    platform: Platform | None = None,
    format: FormatFilter | None = Query(
        default=None,
        description="A content format to keep. `csv` is a deprecated alias of `export=csv` "
        "(it filters nothing): for reels as CSV, `format=reel&export=csv`.",
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
    csv = CsvAsk(asked.wanted or format == "csv", asked.dialect, asked.header)
    return KpiQuery(scope=scope, csv=csv.format_for(space))


Filters = Annotated[KpiQuery, Depends(kpi_query)]


class FunnelLine(BaseModel):
    """A line of the funnel's CSV: the stages, then the benchmarks, in one flat table."""

    kind: Literal["stage", "benchmark"]
    name: str = Field(description="The stage, or the benchmark's KPI.")
    label: str | None = Field(default=None, description="The stage's, in the workspace's language.")
    counter: str | None = None
    count: int | None = None
    pass_rate: RatioOut | None = None
    value: Decimal | None = Field(default=None, description="The benchmark's KPI value.")
    reference: RangeOut | MoneyRange | None = None
    position: Literal["below", "within", "above"] | None = None


def funnel_lines(report: FunnelReport) -> list[FunnelLine]:
    lines = [FunnelLine(kind="stage", **dict(stage)) for stage in report.stages]
    return lines + [
        FunnelLine(
            kind="benchmark",
            name=b.kpi,
            value=None if b.value is None else Decimal(str(b.value)),
            reference=b.reference,
            position=b.position,
        )
        for b in report.benchmarks
    ]


class BudgetLine(BaseModel):
    """A line of the budget's CSV: a campaign, then each of its format/platform pairs ranked
    for reallocation on a line of its own, with the campaign's id, name, currency and
    ranking, so that each money column sums to what it says."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["campaign", "reallocation"]
    campaign_id: uuid.UUID
    name: str
    currency: str
    ranked_by: Literal["roas", "cpl"]
    objective: str | None = None
    status: str | None = None
    budget: MoneyOut | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    spend: MoneyOut | None = None
    remaining: MoneyOut | None = None
    expected_spend: MoneyOut | None = None
    pacing: RatioOut | None = None
    paid: SpendSplit | None = None
    organic: SpendSplit | None = None
    reallocation: Reallocation | None = None


def budget_lines(report: BudgetReport) -> list[BudgetLine]:
    lines = []
    for item in report.items:
        lines.append(BudgetLine(**{**dict(item), "kind": "campaign", "reallocation": None}))
        lines += [
            BudgetLine(
                kind="reallocation",
                campaign_id=item.campaign_id,
                name=item.name,
                currency=item.currency,
                ranked_by=item.ranked_by,
                reallocation=pair,
            )
            for pair in item.reallocation
        ]
    return lines


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
    answer = await kpis(uow, query.scope, group_by)
    if query.csv is None:
        # Written from the sums: no model per row (a report may have thousands).
        return Response(answer.json(), media_type="application/json")
    result = answer.report()
    # Targets are a campaign's: on other lines the column could hold nothing.
    targets = query.scope.campaign_id is not None or group_by == GroupBy.campaign
    omit = () if targets else ("targets_missed",)
    return report_answer(query.csv, result, result.items, "kpis", KpiRow, omit)


@router.get(
    "/funnel",
    response_model=FunnelReport,
    summary="The funnel from impression to conversion, its leak and reference ranges",
    responses=CSV_RESPONSE,
)
async def get_funnel(uow: UoW, query: Filters) -> Response:
    result = await funnel(uow, query.scope)
    return report_answer(query.csv, result, funnel_lines(result), "funnel", FunnelLine)


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
    return report_answer(query.csv, result, budget_lines(result), "budget", BudgetLine)


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
