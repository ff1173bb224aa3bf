"""CRI-4: publishing frozen while an alert at the policy's freeze level is open.

What is frozen is computed, not remembered: after every evaluation and every resolution
`enforce` puts on hold the scheduled items an unresolved freezing alert reaches, and
releases the held items none reaches any more. Two alerts resolving at once, a policy
whose freeze changes while its alert is open, an item scheduled mid-crisis: the next
`enforce` converges, whatever happened in between.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from shared.content.holds import covered_by, frozen
from shared.content.models import ContentItem, ContentStatus
from shared.content.status import change_status
from shared.crisis.models import Alert, AlertStatus
from shared.db.uow import UnitOfWork


async def enforce(uow: UnitOfWork, workspace_id: uuid.UUID, now: datetime) -> tuple[int, int]:
    """(items put on hold, items released), each with its status event."""
    session = uow.session
    await session.flush()  # the alerts' freeze as this round left it (no autoflush)
    holding = (
        sa.select(Alert.id)
        .where(
            Alert.status != AlertStatus.resolved,
            Alert.freezing.is_(True),
            covered_by(ContentItem, workspace_id),
        )
        .order_by(Alert.opened_at)
        .limit(1)
        .scalar_subquery()
    )
    to_hold = (
        await session.execute(
            sa.select(ContentItem, holding)
            .where(
                ContentItem.workspace_id == workspace_id,
                ContentItem.status == ContentStatus.scheduled,
                frozen(ContentItem, workspace_id),
            )
            .with_for_update(of=ContentItem, skip_locked=True)
        )
    ).all()
    for item, alert_id in to_hold:
        change_status(uow, item, ContentStatus.on_hold, now, force=True)
        item.held_by_alert_id = alert_id
    to_release = (
        await session.scalars(
            sa.select(ContentItem)
            .where(
                ContentItem.workspace_id == workspace_id,
                ContentItem.status == ContentStatus.on_hold,
                ~frozen(ContentItem, workspace_id),
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    for item in to_release:
        future = item.scheduled_at is not None and item.scheduled_at > now
        target = ContentStatus.scheduled if future else ContentStatus.approved
        change_status(uow, item, target, now, force=True)
    await session.flush()
    return len(to_hold), len(to_release)
