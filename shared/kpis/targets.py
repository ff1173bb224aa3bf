"""`kpi.target_missed` after each merge: the touched campaigns' KPIs over all their
snapshots and production costs, against their targets, reported once per campaign, KPI
and local day."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from shared.campaigns.models import Campaign
from shared.db.uow import UnitOfWork
from shared.kpis import report
from shared.kpis.events import KpiTargetMissed
from shared.kpis.measures import Sums
from shared.kpis.models import KpiTargetMiss
from shared.kpis.queries import GroupBy, Key, Scope, SnapshotLevel, grouped_sums, production_costs
from shared.metrics.models import Granularity

#: The (campaign, granularity, level) a batch's rows fall in.
_TOUCHED = sa.text(
    """
    SELECT DISTINCT coalesce(c.campaign_id, r.campaign_id) AS campaign_id, r.granularity,
           r.content_item_id IS NULL AS campaign_level
    FROM ingest_rows r
    LEFT JOIN content_items c ON c.workspace_id = r.workspace_id AND c.id = r.content_item_id
    WHERE r.workspace_id = :workspace AND r.batch_id = :batch
    """
)


def parse_targets(targets: dict[str, Any]) -> dict[str, Decimal | None]:
    """A campaign's stored targets (decimal strings) as exact decimals."""
    return {name: None if value is None else Decimal(str(value)) for name, value in targets.items()}


async def check_batch(
    uow: UnitOfWork, workspace_id: uuid.UUID, batch_id: uuid.UUID, timezone: str, now: datetime
) -> int:
    """Call before the batch's staged rows are deleted; returns the events emitted."""
    session = uow.session
    touched = (
        await session.execute(_TOUCHED, {"workspace": workspace_id, "batch": batch_id})
    ).all()
    ids = {campaign_id for campaign_id, _, _ in touched if campaign_id is not None}
    if not ids:
        return 0
    campaigns = {
        c.id: c
        for c in (
            await session.scalars(
                sa.select(Campaign).where(
                    Campaign.workspace_id == workspace_id,
                    Campaign.id.in_(ids),
                    Campaign.targets != sa.text("'{}'::jsonb"),
                )
            )
        ).unique()
    }
    day = now.astimezone(ZoneInfo(timezone)).date()
    emitted = 0
    # One read per (granularity, level) for all the touched campaigns that have targets.
    slices: dict[tuple[str, bool], list[uuid.UUID]] = {}
    for campaign_id, granularity, campaign_level in touched:
        if campaign_id in campaigns:
            slices.setdefault((granularity, campaign_level), []).append(campaign_id)
    for (granularity, campaign_level), campaign_ids in slices.items():
        level = SnapshotLevel.campaign if campaign_level else SnapshotLevel.content_item
        scope = Scope(
            workspace_id=workspace_id,
            timezone=timezone,
            granularity=Granularity(granularity),
            level=level,
            campaign_ids=tuple(campaign_ids),
        )
        sums = await grouped_sums(session, scope, GroupBy.campaign)
        costs = await production_costs(session, scope, GroupBy.campaign)
        emitted += await _judge(uow, scope, sums, costs, campaigns, day)
    return emitted


async def _judge(
    uow: UnitOfWork,
    scope: Scope,
    sums_by_campaign: Mapping[Key, Sums],
    costs: Mapping[Key, Decimal],
    campaigns: Mapping[uuid.UUID, Campaign],
    day: date,
) -> int:
    """Emit `kpi.target_missed` for each KPI a campaign misses and was not yet reported
    missed today."""
    emitted = 0
    for (campaign_id,), sums in sums_by_campaign.items():
        campaign = campaigns[campaign_id]
        figures = report.figures(sums, campaign.currency, costs.get((campaign_id,)))
        targets = parse_targets(campaign.targets)
        for kpi in report.missed_targets(sums, figures.kpis, targets):
            first = await uow.session.scalar(
                insert(KpiTargetMiss)
                .values(campaign_id=campaign_id, kpi=kpi, day=day, workspace_id=scope.workspace_id)
                .on_conflict_do_nothing()
                .returning(KpiTargetMiss.kpi)
            )
            if first is None:
                continue
            target = targets[kpi]
            assert target is not None
            uow.emit(
                scope.workspace_id,
                KpiTargetMissed(
                    campaign_id=campaign_id,
                    campaign_name=campaign.name,
                    kpi=kpi,
                    target=target,
                    actual=figures.kpis.get(kpi),
                    day=day,
                    granularity=scope.granularity,
                    level=scope.level.value,
                ),
            )
            emitted += 1
    return emitted
