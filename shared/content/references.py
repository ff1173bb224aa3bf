"""The campaign and content item ids that bulk rows name (snapshots, events), read in one
query per kind of id, whatever the row count: unknown and foreign ids are bad rows, and
the known ones say which currency the rows' money is in."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from shared.bulk import Bulk
from shared.campaigns.models import Campaign
from shared.content.models import ContentItem
from shared.db.uow import UnitOfWork
from shared.errors import FieldError
from shared.workspaces.models import Workspace


class Targeted(Protocol):
    @property
    def campaign_id(self) -> uuid.UUID | None: ...

    @property
    def content_item_id(self) -> uuid.UUID | None: ...


@dataclass(frozen=True, slots=True)
class Targets:
    """What the rows' ids name."""

    #: An `unknown_reference` error for each unknown or foreign id, at its row and field.
    errors: list[FieldError]
    #: Each known content item's currency: its campaign's, or the workspace's for an item
    #: in no campaign.
    items: dict[uuid.UUID, str]
    #: Each known campaign's currency.
    campaigns: dict[uuid.UUID, str]

    def currencies(self) -> set[str]:
        """Every currency the rows' money may be in."""
        return {*self.items.values(), *self.campaigns.values()}

    def currency(self, row: Targeted) -> str | None:
        """The currency of a row's money: its content item's, else its campaign's; None
        when it names no known target (a bad row already)."""
        if row.content_item_id is not None:
            return self.items.get(row.content_item_id)
        return None if row.campaign_id is None else self.campaigns.get(row.campaign_id)


async def read_targets(uow: UnitOfWork, workspace_id: uuid.UUID, body: Bulk[Targeted]) -> Targets:
    """The content items and campaigns the rows name, with their currency: one query per
    kind of id, and a look at each row only when some id is unknown."""
    item_ids = {r.content_item_id for r in body.rows if r.content_item_id is not None}
    campaign_ids = {r.campaign_id for r in body.rows if r.campaign_id is not None}
    items = await _item_currencies(uow, workspace_id, item_ids)
    campaigns = await _campaign_currencies(uow, workspace_id, campaign_ids)
    unknown = {
        "content_item_id": ("content item", item_ids - items.keys()),
        "campaign_id": ("campaign", campaign_ids - campaigns.keys()),
    }
    errors = [
        FieldError(body.loc(index, field), f"{label} {ident} does not exist", "unknown_reference")
        for field, (label, idents) in unknown.items()
        if idents
        for index, row in body.indexed()
        if (ident := getattr(row, field)) in idents
    ]
    return Targets(errors, items, campaigns)


async def _item_currencies(
    uow: UnitOfWork, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    found = await uow.session.execute(
        sa.select(ContentItem.id, sa.func.coalesce(Campaign.currency, Workspace.currency))
        .join(Workspace, Workspace.id == ContentItem.workspace_id)
        .outerjoin(
            Campaign,
            sa.and_(
                Campaign.workspace_id == ContentItem.workspace_id,
                Campaign.id == ContentItem.campaign_id,
            ),
        )
        .where(ContentItem.workspace_id == workspace_id, ContentItem.id.in_(ids))
    )
    return dict(found.all())


async def _campaign_currencies(
    uow: UnitOfWork, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    found = await uow.session.execute(
        sa.select(Campaign.id, Campaign.currency).where(
            Campaign.workspace_id == workspace_id, Campaign.id.in_(ids)
        )
    )
    return dict(found.all())
