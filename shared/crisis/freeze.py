"""CRI-4: publishing frozen while an alert at the policy's freeze level is open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from shared.content import service as content
from shared.content.models import ContentItem, ContentStatus
from shared.crisis.models import Alert, AlertStatus
from shared.crisis.scope import reached_by
from shared.db.uow import UnitOfWork


async def hold(uow: UnitOfWork, alert: Alert, now: datetime) -> int:
    """Scheduled items in the alert's scope go `on_hold`, each with its status event."""
    items = (
        await uow.session.scalars(
            sa.select(ContentItem)
            .where(ContentItem.status == ContentStatus.scheduled, reached_by(alert))
            .with_for_update(skip_locked=True)
        )
    ).all()
    for item in items:
        content.change_status(uow, item, ContentStatus.on_hold, now, force=True)
        item.held_by_alert_id = alert.id
    return len(items)


async def release(uow: UnitOfWork, alert: Alert, now: datetime) -> int:
    """What the alert held goes back to `scheduled`, or `approved` if its time has passed;
    an item another open freeze still covers moves to that alert instead."""
    session = uow.session
    items = (
        await session.scalars(
            sa.select(ContentItem).where(ContentItem.held_by_alert_id == alert.id).with_for_update()
        )
    ).all()
    others = (
        await session.scalars(
            sa.select(Alert).where(
                Alert.workspace_id == alert.workspace_id,
                Alert.id != alert.id,
                Alert.status != AlertStatus.resolved,
                Alert.freezing.is_(True),
            )
        )
    ).all()
    released = 0
    for item in items:
        keeper = next(
            (
                other
                for other in others
                if other.freeze_campaign_ids is None
                or item.campaign_id in other.freeze_campaign_ids
            ),
            None,
        )
        if keeper is not None:
            item.held_by_alert_id = keeper.id
            continue
        item.held_by_alert_id = None
        future = item.scheduled_at is not None and item.scheduled_at > now
        target = ContentStatus.scheduled if future else ContentStatus.approved
        content.change_status(uow, item, target, now, force=True)
        released += 1
    await session.flush()
    return released
