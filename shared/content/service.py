from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from shared import money
from shared.campaigns.models import Campaign
from shared.content import rules
from shared.content.events import ContentItemDue
from shared.content.holds import frozen
from shared.content.models import ContentFormat, ContentItem, ContentStatus
from shared.content.schemas import (
    ContentItemCreate,
    ContentItemRead,
    ContentItemUpdate,
    Publication,
)
from shared.content.status import change_status, require_future
from shared.db.base import utcnow
from shared.db.due import lock_due
from shared.db.pagination import Page
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, FieldError, InvalidTransition, ValidationFailed
from shared.i18n import Text, catalog
from shared.kpis.jobs import RebuildRollups
from shared.metrics.models import MetricSnapshot
from shared.social_accounts.models import Platform, SocialAccount
from shared.workspaces.models import Workspace

TEXTS = catalog(
    "content",
    {
        "frozen": Text(
            en="a {status} content item can no longer be edited",
            fr="un contenu {status} ne peut plus être modifié",
        ),
        "invalid-variant": Text(en="variant needs ab_test_group", fr="variant exige ab_test_group"),
        "crisis-freeze": Text(
            en="held by an open crisis alert (CRI-4): it is released when the alert is resolved",
            fr="retenu par une alerte de crise ouverte (CRI-4) : il est libéré quand l'alerte "
            "est résolue",
        ),
        "system-status": Text(
            en="'{status}' is set by the platform (publishing, crisis freeze), not by clients",
            fr="« {status} » est posé par la plateforme (publication, gel de crise), pas par "
            "les clients",
        ),
        "not-deletable": Text(
            en="a {status} content item cannot be deleted: archive it",
            fr="un contenu {status} ne peut pas être supprimé : archivez-le",
        ),
    },
)


def repo(uow: UnitOfWork) -> TenantRepository[ContentItem]:
    return TenantRepository(uow.session, ContentItem, "content item")


def _check_format(fmt: ContentFormat, platform: Platform, loc: tuple[str, ...]) -> None:
    if not rules.format_fits(fmt, platform):
        raise ValidationFailed(
            [FieldError(loc, f"{platform} has no '{fmt}' format", "format_platform")]
        )


async def _price(uow: UnitOfWork, item: ContentItem) -> None:
    """The production cost fits the currency it is counted in, its campaign's or else the
    workspace's (ISO 4217 places), and is kept with exactly those places."""
    if item.production_cost is None:
        return
    currency = await uow.session.scalar(
        sa.select(sa.func.coalesce(Campaign.currency, Workspace.currency))
        .select_from(Workspace)
        .outerjoin(
            Campaign,
            (Campaign.workspace_id == Workspace.id) & (Campaign.id == item.campaign_id),
        )
        .where(Workspace.id == item.workspace_id)
    )
    assert currency is not None
    errors = money.misfits([(("body", "production_cost"), item.production_cost)], currency)
    if errors:
        raise ValidationFailed(errors)
    item.production_cost = money.exact(item.production_cost, currency)


async def create(uow: UnitOfWork, workspace_id: uuid.UUID, body: ContentItemCreate) -> ContentItem:
    if body.campaign_id is not None:
        await TenantRepository(uow.session, Campaign, "campaign").check_references(
            workspace_id, [(("body", "campaign_id"), body.campaign_id)]
        )
    account = await uow.session.scalar(
        TenantRepository(uow.session, SocialAccount, "social account")
        .select(workspace_id)
        .where(SocialAccount.id == body.social_account_id)
    )
    if account is None:
        raise ValidationFailed(
            [
                FieldError(
                    ("body", "social_account_id"),
                    f"social account {body.social_account_id} does not exist",
                    "unknown_reference",
                )
            ]
        )
    _check_format(body.format, account.platform, ("body", "format"))
    item = ContentItem(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        platform=account.platform,
        status=ContentStatus.draft,
        **body.model_dump(mode="json", exclude={"production_cost", "scheduled_at"}),
        production_cost=body.production_cost,
        scheduled_at=body.scheduled_at,
    )
    await _price(uow, item)
    uow.session.add(item)
    await uow.session.flush()
    return item


#: The calendar's orders (`pagination.Sort`): creation (the default), or by when items go
#: out, either way; items with no `scheduled_at` come last in both.
ItemSort = Literal["created_at", "scheduled_at", "-scheduled_at"]


async def list_items(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    *,
    campaign_id: uuid.UUID | None,
    status: ContentStatus | None,
    platform: Platform | None,
    fmt: ContentFormat | None,
    scheduled_from: datetime | None,
    scheduled_to: datetime | None,
    ids: list[uuid.UUID] | None,
    limit: int,
    cursor: str | None,
    sort: ItemSort = "created_at",
) -> Page[ContentItem]:
    where: list[sa.ColumnElement[bool]] = []
    if scheduled_from is not None:
        where.append(ContentItem.scheduled_at >= scheduled_from)
    if scheduled_to is not None:
        where.append(ContentItem.scheduled_at < scheduled_to)
    return await repo(uow).page(
        workspace_id,
        limit,
        cursor,
        *where,
        ids=ids,
        sort=sort,
        campaign_id=campaign_id,
        status=status,
        platform=platform,
        format=fmt,
    )


#: Fields copied onto an item's merged snapshots (the KPI rollups group by them).
KPI_DIMENSIONS = frozenset({"campaign_id", "format", "paid"})


async def _rebucket_snapshots(uow: UnitOfWork, item: ContentItem) -> None:
    """An item with merged snapshots changed campaign, format or paid flag: the worker
    re-copies them onto its snapshots and rebuilds the workspace's rollups."""
    has_snapshots = await uow.session.scalar(
        sa.select(
            sa.exists().where(
                MetricSnapshot.workspace_id == item.workspace_id,
                MetricSnapshot.target_id == item.id,
            )
        )
    )
    if has_snapshots:
        uow.enqueue(RebuildRollups(), workspace_id=item.workspace_id)


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    item_id: uuid.UUID,
    body: ContentItemUpdate,
    expected_version: int | None,
    now: datetime,
) -> ContentItem:
    item = await repo(uow).get(workspace_id, item_id, lock=True)
    check_version(item, expected_version)
    changes = body.changes()
    target = changes.pop("status", None)
    if changes and item.status in rules.FROZEN:
        raise Conflict(TEXTS["frozen"].of(status=item.status), "frozen")
    if changes.get("campaign_id") is not None:
        await TenantRepository(uow.session, Campaign, "campaign").check_references(
            workspace_id, [(("body", "campaign_id"), changes["campaign_id"])]
        )
    if "format" in changes:
        _check_format(changes["format"], item.platform, ("body", "format"))
    creative_edit = any(
        getattr(item, f) != v for f, v in changes.items() if f in rules.CREATIVE_FIELDS
    )
    if any(getattr(item, f) != v for f, v in changes.items() if f in KPI_DIMENSIONS):
        await _rebucket_snapshots(uow, item)
    for field, value in changes.items():
        setattr(item, field, value)
    if {"production_cost", "campaign_id"} & changes.keys():
        await _price(uow, item)
    if item.ab_test_group is None and item.variant is not None:
        raise Conflict(TEXTS["invalid-variant"].of(), "invalid-variant")
    if creative_edit and item.status in rules.NEEDS_REAPPROVAL:
        # First back to review, then any move asked for: an edit cannot ride along with a
        # schedule past the approval it invalidates (a reviewer may edit and approve).
        change_status(uow, item, ContentStatus.in_review, now, force=True)
    if target is not None and target != item.status:
        if item.status == ContentStatus.on_hold:
            raise Conflict(TEXTS["crisis-freeze"].of(), "crisis-freeze")
        if target in rules.SYSTEM_ONLY:
            raise Conflict(TEXTS["system-status"].of(status=target), "system-status")
        change_status(uow, item, target, now)
    elif item.status == ContentStatus.scheduled and "scheduled_at" in changes:
        require_future(item, now)
    await uow.session.flush()
    return item


async def publish(
    uow: UnitOfWork, workspace_id: uuid.UUID, item_id: uuid.UUID, body: Publication
) -> ContentItem:
    """The publishing system reports the post live. Accepted from `scheduled` too: the
    publisher may post on time before the due cron has marked the item `publishing`."""
    item = await repo(uow).get(workspace_id, item_id, lock=True)
    if item.status == ContentStatus.published and item.external_post_id == body.external_post_id:
        return item  # the publisher retried its callback
    if item.status not in (ContentStatus.publishing, ContentStatus.scheduled):
        raise InvalidTransition(
            "content item",
            item.status,
            ContentStatus.published,
            sorted(rules.TRANSITIONS[item.status]),
        )
    item.external_post_id = body.external_post_id
    item.published_at = body.published_at
    change_status(uow, item, ContentStatus.published, utcnow(), force=True)
    await uow.session.flush()
    return item


DUE_BATCH = 500


async def release_due(uow: UnitOfWork, now: datetime, limit: int = DUE_BATCH) -> int:
    """Scheduled items whose time has come go to `publishing`, each with `content_item.due`
    for the publishing system (WH-3). The row lock and the status test make an item due
    exactly once, whatever the number of workers. An item a crisis freeze reaches is never
    handed over (CRI-4): on hold, it is not `scheduled`; scheduled during the freeze, it
    waits for the freeze's next evaluation to put it on hold."""
    due = await lock_due(
        uow.session,
        ContentItem,
        lambda workspace_id: sa.and_(
            ContentItem.status == ContentStatus.scheduled,
            ContentItem.scheduled_at <= now,
            ~frozen(ContentItem, workspace_id),
        ),
        order_by=ContentItem.scheduled_at,
        limit=limit,
    )
    for item in due:
        change_status(uow, item, ContentStatus.publishing, now)
        uow.emit(
            item.workspace_id, ContentItemDue(content_item=ContentItemRead.model_validate(item))
        )
    await uow.session.flush()
    return len(due)


async def delete(uow: UnitOfWork, workspace_id: uuid.UUID, item_id: uuid.UUID) -> None:
    item = await repo(uow).get(workspace_id, item_id, lock=True)
    if item.status in rules.NOT_DELETABLE:
        raise Conflict(TEXTS["not-deletable"].of(status=item.status), "not-deletable")
    await uow.session.delete(item)
