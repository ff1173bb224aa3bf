"""The campaign and content item ids that bulk rows name (snapshots, events), checked in
one query per kind of id, whatever the row count: unknown and foreign ids alike."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from shared.campaigns.models import Campaign
from shared.content.models import ContentItem
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import FieldError


class Targeted(Protocol):
    @property
    def campaign_id(self) -> uuid.UUID | None: ...

    @property
    def content_item_id(self) -> uuid.UUID | None: ...


async def missing_targets(
    uow: UnitOfWork, workspace_id: uuid.UUID, rows: Sequence[Targeted], collection: str
) -> list[FieldError]:
    """Errors located at ("body", collection, index, field)."""
    items = TenantRepository(uow.session, ContentItem, "content item")
    campaigns = TenantRepository(uow.session, Campaign, "campaign")
    return await items.missing_references(
        workspace_id,
        [
            (("body", collection, i, "content_item_id"), r.content_item_id)
            for i, r in enumerate(rows)
            if r.content_item_id is not None
        ],
    ) + await campaigns.missing_references(
        workspace_id,
        [
            (("body", collection, i, "campaign_id"), r.campaign_id)
            for i, r in enumerate(rows)
            if r.campaign_id is not None
        ],
    )
