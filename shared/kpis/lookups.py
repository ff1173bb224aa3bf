"""The rows a KPI report reads beside its sums: the workspace, the campaigns and content
items it names. Read here rather than through their domains' services, which sit beside
this one, not below it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.campaigns.models import Campaign, CampaignStatus, Objective
from shared.content.models import ContentItem
from shared.errors import NotFound
from shared.kpis.queries import Scope
from shared.kpis.targets import parse_targets
from shared.workspaces.models import Workspace


async def workspace(session: AsyncSession, workspace_id: uuid.UUID) -> Workspace:
    """Its currency heads every report; its settings hold the funnel's reference ranges."""
    found = await session.get(Workspace, workspace_id)
    if found is None:
        raise NotFound("workspace", workspace_id)
    return found


@dataclass(frozen=True)
class CampaignInfo:
    name: str
    objective: Objective
    targets: dict[str, Decimal | None] | None


async def campaign_infos(
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


async def content_items(
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


async def budget_campaigns(session: AsyncSession, scope: Scope) -> list[Campaign]:
    """The scope's campaign, or every campaign not archived, oldest first."""
    statement = sa.select(Campaign).where(Campaign.workspace_id == scope.workspace_id)
    if scope.campaign_id is not None:
        statement = statement.where(Campaign.id == scope.campaign_id)
    else:
        statement = statement.where(Campaign.status != CampaignStatus.archived)
    ordered = statement.order_by(Campaign.created_at, Campaign.id)
    return list((await session.scalars(ordered)).unique())


async def ab_test_members(
    session: AsyncSession, workspace_id: uuid.UUID, group: str
) -> list[ContentItem]:
    """The content items of an A/B test group, oldest first: the variants' order."""
    return list(
        await session.scalars(
            sa.select(ContentItem)
            .where(ContentItem.workspace_id == workspace_id, ContentItem.ab_test_group == group)
            .order_by(ContentItem.created_at, ContentItem.id)
        )
    )
