"""KPI-3: content items by engagement and conversion rate, in four quadrants."""

from __future__ import annotations

from decimal import Decimal

from shared.db.uow import UnitOfWork
from shared.kpis import formulas, lookups, report
from shared.kpis.queries import GroupBy, Scope, grouped_sums
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import ContentMatrix, MatrixItem, Thresholds


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
    space = await lookups.workspace(uow.session, scope.workspace_id)
    sums = await grouped_sums(uow.session, scope, GroupBy.content_item)
    items = await lookups.content_items(uow.session, scope.workspace_id, (k[0] for k in sums))
    shown, excluded = [], 0
    for (item_id,), item_sums in sums.items():
        impressions = report.counter(item_sums, "impressions")
        if not impressions or item_id not in items:
            excluded += 1
            continue
        figures = report.figures(item_sums, space.currency)
        shown.append((items[item_id], item_sums, figures))
    rates = [(f.kpis["engagement_rate"], f.kpis["conversion_rate"]) for _, _, f in shown]
    cutoffs = formulas.matrix_cutoffs(
        engagement_threshold,
        conversion_threshold,
        [er for er, _ in rates],
        [cr for _, cr in rates],
    )
    quadrants = formulas.quadrants(rates, cutoffs)
    rows = [
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
        for (item, item_sums, _), (er, cr), quadrant in zip(shown, rates, quadrants, strict=True)
    ]
    rows.sort(key=lambda r: (-(r.engagement_rate or -1), str(r.content_item_id)))
    return ContentMatrix(
        **meta(scope, space),
        thresholds=Thresholds(
            engagement_rate=cutoffs.engagement_rate,
            conversion_rate=cutoffs.conversion_rate,
            source=cutoffs.source,
        ),
        quadrants=formulas.quadrant_counts(quadrants),
        excluded_without_impressions=excluded,
        items=rows,
    )
