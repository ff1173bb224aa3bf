"""Which content items a freezing alert holds (CRI-4), as SQL: shared by the crisis freeze
and by the due cron, which must never hand over what a freeze reaches. It reads the crisis
domain's alerts (a declaration), so content depends on crisis only through its models."""

from __future__ import annotations

import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.crisis.models import Alert, AlertStatus


def covered_by(item: type[ContentItem] = ContentItem) -> sa.ColumnElement[bool]:
    """Whether an alert's freeze reaches an item: the whole workspace, or its campaigns."""
    return sa.and_(
        Alert.workspace_id == item.workspace_id,
        sa.or_(
            Alert.freeze_campaign_ids.is_(None),
            item.campaign_id == sa.func.any(Alert.freeze_campaign_ids),
        ),
    )


def frozen(item: type[ContentItem] = ContentItem) -> sa.Exists:
    """An unresolved freezing alert reaches the item: the due cron leaves it alone."""
    return sa.exists().where(
        Alert.status != AlertStatus.resolved, Alert.freezing.is_(True), covered_by(item)
    )
