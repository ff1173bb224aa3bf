"""The team's inbox of mentions: filtered listing, and the workflow (LIS-3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from shared.db.pagination import Page, paginate
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import InvalidTransition
from shared.listening.models import Mention, MentionStatus
from shared.listening.reports import needs_response_clause
from shared.listening.schemas import MentionUpdate
from shared.listening.sentiment import Language, SentimentLabel
from shared.listening.text import fold
from shared.social_accounts.models import Platform

#: LIS-3, and the moves a team makes in practice: answer without assigning first, reopen.
TRANSITIONS: dict[MentionStatus, frozenset[MentionStatus]] = {
    MentionStatus.new: frozenset(
        {
            MentionStatus.assigned,
            MentionStatus.responded,
            MentionStatus.ignored,
            MentionStatus.escalated,
        }
    ),
    MentionStatus.assigned: frozenset(
        {MentionStatus.new, MentionStatus.responded, MentionStatus.ignored, MentionStatus.escalated}
    ),
    MentionStatus.escalated: frozenset(
        {MentionStatus.assigned, MentionStatus.responded, MentionStatus.ignored}
    ),
    MentionStatus.ignored: frozenset({MentionStatus.new}),
    MentionStatus.responded: frozenset(),
}


def mentions(uow: UnitOfWork) -> TenantRepository[Mention]:
    return TenantRepository(uow.session, Mention, "mention")


@dataclass(frozen=True, slots=True)
class MentionFilters:
    term_id: uuid.UUID | None = None
    sentiment: SentimentLabel | None = None
    status: MentionStatus | None = None
    platform: Platform | None = None
    language: Language | None = None
    start: datetime | None = None
    end: datetime | None = None
    q: str | None = None
    #: KPI-6's "needs a response" (`reports.needs_response_clause`), or its complement.
    needs_response: bool | None = None
    #: Only these mentions (another workspace's are simply absent).
    ids: tuple[uuid.UUID, ...] | None = None


#: The inbox's orders (`pagination.Sort`): arrival (the default), or by when the mention
#: was posted, either way.
MentionSort = Literal["created_at", "posted_at", "-posted_at"]


def _like(text: str) -> str:
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_mentions(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    filters: MentionFilters,
    *,
    limit: int,
    cursor: str | None,
    sort: MentionSort = "created_at",
) -> Page[Mention]:
    m = Mention
    stmt = mentions(uow).select(workspace_id)
    if filters.term_id is not None:
        stmt = stmt.where(m.term_ids.contains([filters.term_id]))
    if filters.sentiment is not None:
        stmt = stmt.where(m.sentiment_label == filters.sentiment)
    if filters.status is not None:
        stmt = stmt.where(m.status == filters.status)
    if filters.platform is not None:
        stmt = stmt.where(m.platform == filters.platform)
    if filters.language is not None:
        stmt = stmt.where(m.language == filters.language)
    if filters.start is not None:
        stmt = stmt.where(m.posted_at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(m.posted_at < filters.end)
    if filters.q:
        stmt = stmt.where(m.search_text.like(_like(filters.q), escape="\\"))
    if filters.needs_response is not None:
        needs = needs_response_clause(m)
        stmt = stmt.where(needs if filters.needs_response else sa.not_(needs))
    if filters.ids is not None:
        stmt = stmt.where(m.id.in_(filters.ids))
    return await paginate(uow.session, stmt, Mention, limit, cursor, sort)


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    mention_id: uuid.UUID,
    body: MentionUpdate,
    expected_version: int | None,
    now: datetime,
) -> Mention:
    """Fields first, then the status move: giving a new mention an assignee assigns it,
    and the first response stamps `responded_at`."""
    mention = await mentions(uow).get(workspace_id, mention_id, lock=True)
    check_version(mention, expected_version)
    changes = body.changes()
    target = changes.pop("status", None)
    for field, value in changes.items():
        setattr(mention, field, value)
    if target is None and "assignee" in changes and mention.status == MentionStatus.new:
        target = MentionStatus.assigned if mention.assignee else None
    if target is not None and target != mention.status:
        if target not in TRANSITIONS[mention.status]:
            raise InvalidTransition(
                "mention", mention.status, target, sorted(TRANSITIONS[mention.status])
            )
        mention.status = target
        if target == MentionStatus.responded and mention.responded_at is None:
            mention.responded_at = now
    await uow.session.flush()
    return mention
