"""Which content items a freezing alert holds (CRI-4), as SQL: shared by the crisis freeze
and by the due cron, which must never hand over what a freeze reaches. It reads the crisis
domain's alerts (a declaration), so content depends on crisis only through its models."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.crisis.models import Alert, AlertStatus


def covered_by(
    item: type[ContentItem] = ContentItem, workspace_id: uuid.UUID | None = None
) -> sa.ColumnElement[bool]:
    """Whether an alert's freeze reaches an item: the whole workspace, or its campaigns.

    Given the workspace, the alerts read are named by it as well as paired with the item:
    Citus runs a locking statement only when every table in it is pinned to one shard."""
    return sa.and_(
        Alert.workspace_id == item.workspace_id,
        sa.true() if workspace_id is None else Alert.workspace_id == workspace_id,
        sa.or_(
            Alert.freeze_campaign_ids.is_(None),
            item.campaign_id == sa.func.any(Alert.freeze_campaign_ids),
        ),
    )


def frozen(
    item: type[ContentItem] = ContentItem, workspace_id: uuid.UUID | None = None
) -> sa.Exists:
    """An unresolved freezing alert reaches the item: the due cron leaves it alone."""
    return sa.exists().where(
        Alert.status != AlertStatus.resolved,
        Alert.freezing.is_(True),
        covered_by(item, workspace_id),
    )
