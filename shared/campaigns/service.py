from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shared import money
from shared.audiences.models import Audience
from shared.campaigns import rules
from shared.campaigns.events import CampaignStatusChanged
from shared.campaigns.models import Campaign, CampaignStatus, Objective
from shared.campaigns.schemas import CampaignCreate, CampaignRead, CampaignUpdate
from shared.content.models import ContentItem
from shared.db.due import lock_due
from shared.db.pagination import Page
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, InvalidTransition, ValidationFailed
from shared.i18n import Text, catalog
from shared.social_accounts.models import Platform
from shared.workspaces.models import Workspace

TEXTS = catalog(
    "campaigns",
    {
        "invalid-dates": Text(
            en="ends_at must be after starts_at", fr="ends_at doit être après starts_at"
        ),
        "missing-dates": Text(
            en="a campaign needs starts_at to become {status}",
            fr="une campagne exige starts_at pour passer en {status}",
        ),
        "not-deletable": Text(
            en="a {status} campaign cannot be deleted: archive it instead",
            fr="une campagne {status} ne peut pas être supprimée : archivez-la plutôt",
        ),
    },
)


def repo(uow: UnitOfWork) -> TenantRepository[Campaign]:
    return TenantRepository(uow.session, Campaign, "campaign")


async def _check_audiences(
    uow: UnitOfWork, workspace_id: uuid.UUID, audience_ids: list[uuid.UUID]
) -> None:
    await TenantRepository(uow.session, Audience, "audience").check_references(
        workspace_id, ((("body", "audience_ids", i), a) for i, a in enumerate(audience_ids))
    )


#: The targets that are amounts of money, in the campaign's currency.
MONEY_TARGETS = ("cpa", "cpl")


def _in_its_currency(campaign: Campaign) -> None:
    """Budget and money targets fit the campaign's currency (ISO 4217 places: "120.0000"
    is 120.00 euros, "12.345" fits dinars, not euros) and are kept with exactly its places,
    so answers write them that way. Checked after every change, currency included."""
    targets = dict(campaign.targets or {})
    amounts = [(("body", "budget"), campaign.budget)] + [
        (("body", "targets", name), Decimal(targets[name]))
        for name in MONEY_TARGETS
        if targets.get(name) is not None
    ]
    errors = money.misfits(amounts, campaign.currency)
    if errors:
        raise ValidationFailed(errors)
    if campaign.budget is not None:
        campaign.budget = money.exact(campaign.budget, campaign.currency)
    for name in MONEY_TARGETS:
        if targets.get(name) is not None:
            targets[name] = str(money.exact(Decimal(targets[name]), campaign.currency))
    campaign.targets = targets


async def create(uow: UnitOfWork, workspace_id: uuid.UUID, body: CampaignCreate) -> Campaign:
    await _check_audiences(uow, workspace_id, body.audience_ids)
    currency = body.currency or await uow.session.scalar(
        sa.select(Workspace.currency).where(Workspace.id == workspace_id)
    )
    campaign = Campaign(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        status=CampaignStatus.draft,
        currency=currency,
        **body.model_dump(mode="python", exclude={"currency", "audience_ids", "targets", "utm"}),
        targets=body.targets.model_dump(mode="json", exclude_none=True),
        utm=body.utm.model_dump(mode="json", exclude_none=True),
        audience_links=[],
    )
    campaign.audience_ids = body.audience_ids
    _in_its_currency(campaign)
    uow.session.add(campaign)
    await uow.session.flush()
    return campaign


async def list_campaigns(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    *,
    status: CampaignStatus | None,
    objective: Objective | None,
    platform: Platform | None,
    active_on: datetime | None,
    ids: list[uuid.UUID] | None,
    limit: int,
    cursor: str | None,
) -> Page[Campaign]:
    where: list[sa.ColumnElement[bool]] = []
    if platform is not None:
        where.append(Campaign.platforms.contains([platform.value]))
    if active_on is not None:
        # Running at that instant by its dates (status aside): the flight overlaps it.
        where += [
            sa.or_(Campaign.starts_at.is_(None), Campaign.starts_at <= active_on),
            sa.or_(Campaign.ends_at.is_(None), Campaign.ends_at > active_on),
        ]
    return await repo(uow).page(
        workspace_id, limit, cursor, *where, ids=ids, status=status, objective=objective
    )


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    body: CampaignUpdate,
    expected_version: int | None,
) -> Campaign:
    campaign = await repo(uow).get(workspace_id, campaign_id, lock=True)
    check_version(campaign, expected_version)
    changes = body.changes()
    if "audience_ids" in changes:
        await _check_audiences(uow, workspace_id, changes["audience_ids"])
        campaign.audience_ids = changes.pop("audience_ids")
    for field in ("targets", "utm"):  # null clears them
        if field in changes:
            model = changes.pop(field)
            dumped = model.model_dump(mode="json", exclude_none=True) if model else {}
            setattr(campaign, field, dumped)
    target_status = changes.pop("status", None)
    for field, value in changes.items():
        setattr(campaign, field, value)
    _in_its_currency(campaign)
    if (
        campaign.starts_at is not None
        and campaign.ends_at is not None
        and campaign.ends_at <= campaign.starts_at
    ):
        raise Conflict(TEXTS["invalid-dates"].of(), "invalid-dates")
    if target_status is not None and target_status != campaign.status:
        change_status(uow, campaign, CampaignStatus(target_status))
    await uow.session.flush()
    return campaign


def change_status(uow: UnitOfWork, campaign: Campaign, target: CampaignStatus) -> None:
    current = campaign.status
    if not rules.allowed(current, target):
        raise InvalidTransition("campaign", current, target, sorted(rules.TRANSITIONS[current]))
    if target in (CampaignStatus.scheduled, CampaignStatus.active) and campaign.starts_at is None:
        raise Conflict(TEXTS["missing-dates"].of(status=target), "missing-dates")
    campaign.status = target
    uow.emit(
        campaign.workspace_id,
        CampaignStatusChanged(
            campaign=CampaignRead.model_validate(campaign), previous_status=current
        ),
    )


async def delete(uow: UnitOfWork, workspace_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    campaign = await repo(uow).get(workspace_id, campaign_id, lock=True)
    if campaign.status not in rules.DELETABLE:
        raise Conflict(TEXTS["not-deletable"].of(status=campaign.status), "not-deletable")
    # Its items stay, out of any campaign: nulled here, not by ON DELETE SET NULL, which
    # Citus refuses on a key holding the workspace (migration 0022).
    await uow.session.execute(
        sa.update(ContentItem)
        .where(ContentItem.workspace_id == workspace_id, ContentItem.campaign_id == campaign_id)
        .values(campaign_id=None, version=ContentItem.version + 1, updated_at=sa.func.now())
        .execution_options(synchronize_session=False)
    )
    await uow.session.delete(campaign)


async def advance_schedule(uow: UnitOfWork, now: datetime, limit: int = 500) -> int:
    """Flights start and end on their dates: scheduled -> active at `starts_at`,
    active or paused -> completed at `ends_at`. Each move emits its event."""
    due = await lock_due(
        uow.session,
        Campaign,
        lambda _: sa.or_(
            sa.and_(Campaign.status == CampaignStatus.scheduled, Campaign.starts_at <= now),
            sa.and_(
                Campaign.status.in_([CampaignStatus.active, CampaignStatus.paused]),
                Campaign.ends_at <= now,
            ),
        ),
        order_by=Campaign.starts_at,
        limit=limit,
        # A joined collection cannot sit under FOR UPDATE: load links apart.
        options=[selectinload(Campaign.audience_links)],
    )
    for campaign in due:
        ended = campaign.ends_at is not None and campaign.ends_at <= now
        if campaign.status == CampaignStatus.scheduled:
            change_status(uow, campaign, CampaignStatus.active)
        if ended:
            change_status(uow, campaign, CampaignStatus.completed)
    await uow.session.flush()
    return len(due)
