"""A content item's status machine (`rules.TRANSITIONS`): the one place a status changes,
so every change is checked and announced. The crisis freeze uses it too (CRI-4)."""

from __future__ import annotations

from datetime import datetime

from shared.content import rules
from shared.content.events import ContentItemStatusChanged
from shared.content.models import ContentItem, ContentStatus
from shared.content.schemas import ContentItemRead
from shared.db.uow import UnitOfWork
from shared.errors import Conflict, InvalidTransition
from shared.i18n import Text, catalog

SCHEDULE_PAST = catalog(
    "content.status",
    {
        "schedule-past": Text(
            en="a scheduled content item needs scheduled_at in the future",
            fr="un contenu programmé exige un scheduled_at dans le futur",
        )
    },
)["schedule-past"]


def require_future(item: ContentItem, now: datetime) -> None:
    if item.scheduled_at is None or item.scheduled_at <= now:
        raise Conflict(SCHEDULE_PAST.of(), "schedule-past")


def change_status(
    uow: UnitOfWork, item: ContentItem, target: ContentStatus, now: datetime, *, force: bool = False
) -> None:
    current = item.status
    if current == ContentStatus.on_hold:
        item.held_by_alert_id = None
    if not force and not rules.allowed(current, target):
        raise InvalidTransition("content item", current, target, sorted(rules.TRANSITIONS[current]))
    if target == ContentStatus.scheduled:
        require_future(item, now)
    item.status = target
    uow.emit(
        item.workspace_id,
        ContentItemStatusChanged(
            content_item=ContentItemRead.model_validate(item), previous_status=current
        ),
    )
