"""KPI-2: the funnel "from like to lead", its leak, and four KPIs against the workspace's
reference ranges."""

from __future__ import annotations

from shared import money
from shared.db.uow import UnitOfWork
from shared.i18n import Language, Text, catalog
from shared.kpis import formulas, lookups, ranges, report
from shared.kpis.measures import Sums, add, zero
from shared.kpis.queries import Scope, grouped_sums
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import (
    Benchmark,
    Coverage,
    FunnelReport,
    FunnelStage,
    MoneyRange,
    RangeOut,
)

#: The stages in order, each with the counter it counts. Their ids are stable English
#: (`awareness` is the spec's "captation", docs/decisions.md); people read `label`.
STAGES = (
    ("awareness", "impressions"),
    ("activation", "engagements"),
    ("consideration", "clicks"),
    ("conversion", "outcomes"),
)

STAGE_LABELS = catalog(
    "kpis.funnel_stages",
    {
        "awareness": Text(en="Awareness", fr="Captation"),
        "activation": Text(en="Activation", fr="Activation", same=True),
        "consideration": Text(en="Consideration", fr="Considération"),
        "conversion": Text(en="Conversion", fr="Conversion", same=True),
    },
)


def stage_label(stage: str, language: Language) -> str:
    return STAGE_LABELS[stage](language)


def _range_out(reference: formulas.Range) -> RangeOut:
    return RangeOut(low=reference.low, high=reference.high)


def _stages(sums: Sums, references: dict[str, formulas.Range]) -> list[formulas.Stage]:
    return formulas.funnel(
        [
            (
                name,
                report.counter(sums, counter),
                None
                if index == 0
                else formulas.ratio(
                    *report.pair(sums, counter, STAGES[index - 1][1])  # over both reported
                ),
            )
            for index, (name, counter) in enumerate(STAGES)
        ],
        [references[name] for name in ranges.PASSES],
    )


def _benchmarks(
    figures: report.Figures, references: dict[str, formulas.Range], currency: str
) -> list[Benchmark]:
    benchmarks = []
    for name in ranges.BENCHMARKS:
        value = figures.kpis[name]
        reference = references[name]
        is_money = report.BY_NAME[name].money
        benchmarks.append(
            Benchmark(
                kpi=name,
                value=None if value is None else str(value) if is_money else float(value),
                reference=MoneyRange(
                    low=money.rounded(reference.low, currency),
                    high=money.rounded(reference.high, currency),
                )
                if is_money
                else _range_out(reference),
                position=reference.position(value),
            )
        )
    return benchmarks


async def funnel(uow: UnitOfWork, scope: Scope) -> FunnelReport:
    """KPI-2: the four stages "from like to lead", each pass against the workspace's
    range, the leak, and CPM, engagement rate, CTR and conversion rate against theirs."""
    check_level(scope)
    space = await lookups.workspace(uow.session, scope.workspace_id)
    found = await grouped_sums(uow.session, scope)
    sums = add(*found.values()) if found else zero()
    references = ranges.workspace_ranges(space.settings)
    stages = _stages(sums, references)
    figures = report.figures(sums, space.currency)
    return FunnelReport(
        **meta(scope, space),
        snapshots=figures.snapshots,
        stages=[
            FunnelStage(
                name=stage.name,
                label=stage_label(stage.name, space.language),
                counter="conversions + leads" if counter == "outcomes" else counter,
                count=stage.count,
                pass_rate=stage.pass_rate,
                reference=None if stage.reference is None else _range_out(stage.reference),
                position=stage.position,
            )
            for stage, (_, counter) in zip(stages, STAGES, strict=True)
        ],
        leak=formulas.leak(stages),
        benchmarks=_benchmarks(figures, references, space.currency),
        coverage=Coverage.model_validate(figures.coverage),
    )
