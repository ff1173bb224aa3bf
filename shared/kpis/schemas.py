"""What the KPI endpoints answer (docs/contract.md, Analytics): ratios as JSON numbers rounded to 6
places, money as decimal strings with 2 places, `null` where a figure does not exist."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from shared.content.models import ContentFormat
from shared.metrics.models import Granularity, Reason
from shared.schemas import MoneyOut
from shared.social_accounts.models import Platform

#: A ratio: exact in the computation, a JSON number (6 places) on the wire.
RatioOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class Counters(BaseModel):
    """Sums over the snapshots that report each counter; null when none does."""

    impressions: int | None
    reach: int | None = Field(description="Sum of bucket reach: an upper bound of unique reach.")
    engagements: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    clicks: int | None
    video_views: int | None
    leads: int | None
    conversions: int | None
    spend: MoneyOut | None
    conversion_value: MoneyOut | None
    production_cost: MoneyOut | None = Field(
        description="Of the content items whose cost is booked in the period: at their "
        "publication, or at their first reported snapshot if never marked published."
    )


class Coverage(BaseModel):
    """For each counter, the share of the row's snapshots that reported it."""

    impressions: RatioOut | None
    reach: RatioOut | None
    engagements: RatioOut | None
    likes: RatioOut | None
    comments: RatioOut | None
    shares: RatioOut | None
    saves: RatioOut | None
    clicks: RatioOut | None
    video_views: RatioOut | None
    leads: RatioOut | None
    conversions: RatioOut | None
    spend: RatioOut | None
    conversion_value: RatioOut | None
    reasons: dict[str, dict[Reason, RatioOut]] = Field(
        description="For each counter some snapshots left null with a reason "
        "(`deprecated`, `not_provided`, `permission`): the share of the row's snapshots per "
        "reason. A counter's gap not explained here is snapshots whose source said nothing.",
        examples=[{"impressions": {"deprecated": 0.25}}],
    )


class KpiValues(BaseModel):
    """KPI-1's ratios, each over the snapshots that report both of its counters."""

    engagement_rate: RatioOut | None
    ctr: RatioOut | None
    conversion_rate: RatioOut | None
    cpm: MoneyOut | None
    cpc: MoneyOut | None
    cpa: MoneyOut | None
    cpl: MoneyOut | None
    roas: RatioOut | None
    roi: RatioOut | None
    frequency: RatioOut | None


# -- the key of a KPI row, one shape per `group_by` --------------------------------------


class CampaignGroup(BaseModel):
    campaign_id: uuid.UUID | None = Field(description="null: content outside any campaign.")
    name: str | None = Field(description="null when there is no such campaign (any more).")


class ContentItemGroup(BaseModel):
    content_item_id: uuid.UUID
    title: str | None


class PlatformGroup(BaseModel):
    platform: Platform


class FormatGroup(BaseModel):
    format: ContentFormat


class PaidGroup(BaseModel):
    paid: Literal["true", "false"] = Field(description="Paid or organic, as text.")


class PeriodGroup(BaseModel):
    period_start: date = Field(
        description="The period's first day in the workspace's time zone (a week starts on Monday)."
    )


class TotalGroup(BaseModel):
    """`group_by=none`: one row for the whole scope, and an empty key."""

    model_config = ConfigDict(extra="forbid")


G = TypeVar("G", bound=BaseModel)


class KpiRow(BaseModel, Generic[G]):
    group: G = Field(description="The row's key; its shape follows the report's `group_by`.")
    snapshots: int
    counters: Counters
    coverage: Coverage
    kpis: KpiValues
    targets_missed: list[str] | None = Field(
        description="The campaign's targets this row misses; null when no targets apply."
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`KpiRow[CampaignGroup]` is `CampaignKpiRow` in the schema."""
        (group,) = params
        return f"{group.__name__.removesuffix('Group')}KpiRow"


class ReportMeta(BaseModel):
    start: datetime | None = Field(serialization_alias="from")
    end: datetime | None = Field(serialization_alias="to")
    granularity: Granularity
    level: str
    timezone: str
    currency: str


class KpiReportBase(ReportMeta, Generic[G]):
    group_by: str
    items: list[KpiRow[G]]


class CampaignKpiReport(KpiReportBase[CampaignGroup]):
    group_by: Literal["campaign"]


class ContentItemKpiReport(KpiReportBase[ContentItemGroup]):
    group_by: Literal["content_item"]


class PlatformKpiReport(KpiReportBase[PlatformGroup]):
    group_by: Literal["platform"]


class FormatKpiReport(KpiReportBase[FormatGroup]):
    group_by: Literal["format"]


class PaidKpiReport(KpiReportBase[PaidGroup]):
    group_by: Literal["paid"]


class PeriodKpiReport(KpiReportBase[PeriodGroup]):
    group_by: Literal["day", "week", "month"]


class TotalKpiReport(KpiReportBase[TotalGroup]):
    group_by: Literal["none"]


#: KPI-1's answer: `group_by` says which report it is, so the rows' `group` is typed
#: (a generated client reads a `CampaignKpiRow.group.campaign_id`, not a dict).
KpiReport = Annotated[
    CampaignKpiReport
    | ContentItemKpiReport
    | PlatformKpiReport
    | FormatKpiReport
    | PaidKpiReport
    | PeriodKpiReport
    | TotalKpiReport,
    Field(discriminator="group_by"),
]


class RangeOut(BaseModel):
    low: RatioOut
    high: RatioOut


class FunnelStage(BaseModel):
    name: Literal["awareness", "activation", "consideration", "conversion"] = Field(
        description="The stage's stable id (the spec's \"captation\" is `awareness`)."
    )
    label: str = Field(
        description="The stage's name in the workspace's `language`.", examples=["Captation"]
    )
    counter: str
    count: int | None
    pass_rate: RatioOut | None = Field(description="From the previous stage.")
    reference: RangeOut | None
    position: Literal["below", "within", "above"] | None


class MoneyRange(BaseModel):
    low: MoneyOut
    high: MoneyOut


class Benchmark(BaseModel):
    kpi: Literal["cpm", "engagement_rate", "ctr", "conversion_rate"]
    value: float | str | None = Field(
        description="A decimal string for CPM (money), a number for the rates."
    )
    reference: RangeOut | MoneyRange
    position: Literal["below", "within", "above"] | None


class FunnelReport(ReportMeta):
    snapshots: int
    stages: list[FunnelStage]
    leak: str | None = Field(
        description="The stage whose pass rate is furthest below its range (relative gap)."
    )
    benchmarks: list[Benchmark]
    coverage: Coverage


class MatrixItem(BaseModel):
    content_item_id: uuid.UUID
    title: str | None
    platform: str
    format: str
    impressions: int
    engagements: int | None
    clicks: int | None
    conversions: int | None
    engagement_rate: RatioOut | None
    conversion_rate: RatioOut | None
    quadrant: Literal["generic", "viral", "targeted", "star"]


class Thresholds(BaseModel):
    engagement_rate: RatioOut | None
    conversion_rate: RatioOut | None
    source: Literal["query", "median"]


class ContentMatrix(ReportMeta):
    thresholds: Thresholds
    quadrants: dict[str, int]
    excluded_without_impressions: int
    items: list[MatrixItem]


class TimeSlot(BaseModel):
    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 is Monday.")
    weekday_name: str = Field(
        description="The weekday, capitalised as a label, in the workspace's `language`.",
        examples=["Jeudi"],
    )
    hour: int = Field(ge=0, le=23)
    items: int
    engagement_rate: RatioOut | None


class BestTimes(ReportMeta):
    min_items: int
    top: list[TimeSlot]
    slots: list[TimeSlot]


class SpendSplit(BaseModel):
    spend: MoneyOut
    production_cost: MoneyOut
    total: MoneyOut


class Reallocation(BaseModel):
    format: str
    platform: str
    spend: MoneyOut
    value: RatioOut | MoneyOut | None = Field(description="ROAS, or CPL for lead campaigns.")
    current_share: RatioOut | None
    suggested_share: RatioOut | None
    suggested_spend: MoneyOut | None = Field(description="Of the budget left.")


class CampaignBudget(BaseModel):
    campaign_id: uuid.UUID
    name: str
    objective: str
    status: str
    currency: str
    budget: MoneyOut | None
    starts_at: datetime | None
    ends_at: datetime | None
    spend: MoneyOut
    remaining: MoneyOut | None
    expected_spend: MoneyOut | None
    pacing: RatioOut | None = Field(description="spend / expected_spend; above 1 is fast.")
    paid: SpendSplit
    organic: SpendSplit
    ranked_by: Literal["roas", "cpl"]
    reallocation: list[Reallocation]


class BudgetReport(ReportMeta):
    as_of: datetime
    items: list[CampaignBudget]


class Variant(BaseModel):
    variant: str
    content_item_ids: list[uuid.UUID]
    impressions: int | None
    clicks: int | None
    conversions: int | None
    leads: int | None
    ctr: RatioOut | None
    conversion_rate: RatioOut | None
    lead_rate: RatioOut | None


class AbTest(ReportMeta):
    group: str
    metric: Literal["ctr", "conversion_rate", "lead_rate"]
    variants: list[Variant]
    leader: str | None = Field(
        description="The variant ahead on `metric` now, whether or not the lead is "
        "significant yet (`significant` says whether it holds at 0.05; `winner` names it "
        "only then). Null when no variant has data on the metric, or when the best are "
        "level."
    )
    winner: str | None
    runner_up: str | None
    z: float | None
    p_value: float | None
    significant: bool
