"""A demo workspace with realistic data: an e-commerce launch and a B2B lead campaign."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shared.audiences import service as audiences
from shared.audiences.schemas import (
    Condition,
    LookalikeAudienceCreate,
    RetargetingAudienceCreate,
    SavedAudienceCreate,
    SegmentRule,
    Targeting,
)
from shared.campaigns import service as campaigns
from shared.campaigns.models import CampaignStatus
from shared.campaigns.schemas import CampaignCreate, CampaignUpdate, Targets, Utm
from shared.content import service as content
from shared.content.models import ContentFormat, ContentStatus
from shared.content.schemas import ContentItemCreate, Publication
from shared.content.status import change_status
from shared.db.uow import UnitOfWork
from shared.demo import listening as listening_demo
from shared.errors import DomainError
from shared.social_accounts import service as accounts
from shared.social_accounts.models import Platform
from shared.social_accounts.schemas import SocialAccountCreate
from shared.workspaces import service as workspaces
from shared.workspaces.models import Role, Workspace
from shared.workspaces.schemas import ApiKeyCreate, WorkspaceCreate

DEMO_NAME = "Maison Lumière (demo)"


async def find_demo(uow: UnitOfWork) -> Workspace | None:
    return await uow.session.scalar(
        sa.select(Workspace).where(Workspace.name == DEMO_NAME).limit(1)
    )


async def ensure(uow: UnitOfWork, now: datetime, saved_key: str | None) -> str:
    """The demo workspace's admin key: seeds it once; a lost key is replaced, not the data."""
    existing = await find_demo(uow)
    if existing is None:
        _, key = await seed(uow, now)
        return key
    if saved_key is not None and await _opens(uow, saved_key, existing.id, now):
        return saved_key
    created = await workspaces.create_key(
        uow, existing.id, ApiKeyCreate(name="Demo admin key", role=Role.admin)
    )
    return created.key


async def _opens(uow: UnitOfWork, key: str, workspace_id: uuid.UUID, now: datetime) -> bool:
    """The saved key may belong to another database (DATABASE_URL changed) or be revoked."""
    try:
        principal = await workspaces.authenticate(uow, key, now)
    except DomainError:
        return False
    return principal.workspace_id == workspace_id and principal.role == Role.admin


async def seed(uow: UnitOfWork, now: datetime) -> tuple[uuid.UUID, str]:
    """Create the demo workspace; returns its id and admin key."""
    workspace, key = await workspaces.create_workspace(
        uow, WorkspaceCreate(name=DEMO_NAME, timezone="Europe/Paris", currency="EUR")
    )
    ws = workspace.id
    handles = {
        Platform.instagram: ("@maisonlumiere", "17841400123456789"),
        Platform.facebook: ("Maison Lumière", "104729384756102"),
        Platform.tiktok: ("@maisonlumiere", "6912345678901234567"),
        Platform.linkedin: ("Maison Lumière Pro", "urn:li:organization:7654321"),
        Platform.youtube: ("@MaisonLumiereTV", "UCx1y2z3MaisonLumiere"),
    }
    account = {
        platform: await accounts.create(
            uow, ws, SocialAccountCreate(platform=platform, handle=h, external_id=e)
        )
        for platform, (h, e) in handles.items()
    }

    paris = await audiences.create(
        uow,
        ws,
        SavedAudienceCreate(
            kind="saved",
            name="Paris & Lyon 25-44, déco",
            targeting=Targeting(
                age_min=25,
                age_max=44,
                locations=["FR"],
                languages=["fr"],
                interests=["interior design", "home decor", "design scandinave"],
            ),
            platforms=[Platform.instagram, Platform.facebook],
        ),
    )
    abandoners = await audiences.create(
        uow,
        ws,
        RetargetingAudienceCreate(
            kind="retargeting",
            name="Paniers abandonnés 7 j",
            rule=SegmentRule(
                include=[Condition(event="add_to_cart", within_days=7)],
                exclude=[Condition(event="purchase", within_days=7)],
                tiers=True,
            ),
            platforms=[Platform.instagram, Platform.facebook],
        ),
    )
    buyers = await audiences.create(
        uow,
        ws,
        RetargetingAudienceCreate(
            kind="retargeting",
            name="Acheteurs 180 j",
            rule=SegmentRule(include=[Condition(event="purchase", within_days=180)]),
            refresh_every_minutes=1440,
        ),
    )
    await audiences.create(
        uow,
        ws,
        LookalikeAudienceCreate(
            kind="lookalike",
            name="Lookalike 1 % FR acheteurs",
            source_audience_id=buyers.id,
            country="FR",
            ratio=Decimal("0.01"),
            platforms=[Platform.facebook, Platform.instagram],
        ),
    )

    launch = await campaigns.create(
        uow,
        ws,
        CampaignCreate(
            name="Lancement collection Printemps",
            objective="sales",
            starts_at=now - timedelta(days=10),
            ends_at=now + timedelta(days=20),
            budget=Decimal("25000.00"),
            platforms=[Platform.instagram, Platform.facebook, Platform.tiktok],
            audience_ids=[paris.id, abandoners.id],
            targets=Targets(roas=Decimal("4"), cpa=Decimal("25.00"), ctr=Decimal("0.012")),
            utm=Utm(source="meta", medium="paid_social", campaign="printemps_2026"),
        ),
    )
    leads = await campaigns.create(
        uow,
        ws,
        CampaignCreate(
            name="B2B — Salon Maison&Objet, génération de leads",
            objective="leads",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=40),
            budget=Decimal("12000.00"),
            platforms=[Platform.linkedin],
            targets=Targets(cpl=Decimal("45.00")),
            utm=Utm(source="linkedin", medium="paid_social", campaign="salon_mo_2026"),
        ),
    )
    for target in (CampaignStatus.scheduled, CampaignStatus.active):
        await campaigns.update(uow, ws, launch.id, CampaignUpdate(status=target), None)
    await campaigns.update(uow, ws, leads.id, CampaignUpdate(status=CampaignStatus.scheduled), None)

    plan = [
        # platform, format, caption, campaign, paid, cost, days from now, final status, ab
        (
            Platform.instagram,
            ContentFormat.reel,
            "La collection Printemps est là 🌸 #MaisonLumiere",
            launch,
            True,
            "1800.00",
            -9,
            ContentStatus.published,
            ("hero_reel", "A"),
        ),
        (
            Platform.instagram,
            ContentFormat.reel,
            "Printemps : la lumière entre chez vous ✨",
            launch,
            True,
            "1800.00",
            -9,
            ContentStatus.published,
            ("hero_reel", "B"),
        ),
        (
            Platform.facebook,
            ContentFormat.carousel,
            "5 façons d'adopter le lin cet été",
            launch,
            True,
            "650.00",
            -6,
            ContentStatus.published,
            None,
        ),
        (
            Platform.tiktok,
            ContentFormat.short_video,
            "Unboxing du vase Aurore #homedecor",
            launch,
            False,
            "300.00",
            -4,
            ContentStatus.published,
            None,
        ),
        (
            Platform.instagram,
            ContentFormat.story,
            "Dernières heures : -15 % sur les luminaires",
            launch,
            True,
            "120.00",
            2,
            ContentStatus.scheduled,
            None,
        ),
        (
            Platform.instagram,
            ContentFormat.ugc,
            "Vos intérieurs #MaisonLumiere ❤️",
            launch,
            False,
            None,
            3,
            ContentStatus.approved,
            None,
        ),
        (
            Platform.facebook,
            ContentFormat.live,
            "Live déco jeudi 19 h avec notre designer",
            launch,
            False,
            "200.00",
            6,
            ContentStatus.in_review,
            None,
        ),
        (
            Platform.linkedin,
            ContentFormat.article,
            "Tendances hôtellerie 2026 : ce que les acheteurs B2B demandent",
            leads,
            True,
            "900.00",
            7,
            ContentStatus.scheduled,
            None,
        ),
        (
            Platform.linkedin,
            ContentFormat.post,
            "Rendez-vous au salon Maison&Objet, stand B42",
            leads,
            True,
            "250.00",
            12,
            ContentStatus.draft,
            None,
        ),
        (
            Platform.youtube,
            ContentFormat.short_video,
            "Atelier : comment naît une lampe",
            None,
            False,
            "2400.00",
            -2,
            ContentStatus.published,
            None,
        ),
    ]
    flow = [ContentStatus.in_review, ContentStatus.approved, ContentStatus.scheduled]
    #: How far along `flow` each final status goes; scheduled and published take it all.
    steps_to = {ContentStatus.draft: 0, ContentStatus.in_review: 1, ContentStatus.approved: 2}
    for i, (platform, fmt, caption, camp, paid, cost, days, final, ab) in enumerate(plan):
        when = now + timedelta(days=days, hours=i % 5)
        item = await content.create(
            uow,
            ws,
            ContentItemCreate(
                social_account_id=account[platform].id,
                campaign_id=camp.id if camp else None,
                format=fmt,
                caption=caption,
                paid=paid,
                production_cost=Decimal(cost) if cost else None,
                ab_test_group=ab[0] if ab else None,
                variant=ab[1] if ab else None,
                media_urls=[f"https://cdn.maisonlumiere.example/{fmt}/{i}.jpg"],
                scheduled_at=when if days > 0 else now + timedelta(hours=1),
            ),
        )
        for step in flow[: steps_to.get(final, len(flow))]:
            change_status(uow, item, step, now)
        if final == ContentStatus.published:
            item.scheduled_at = when  # it was due then; the demo replays history
            await content.publish(
                uow,
                ws,
                item.id,
                Publication(external_post_id=f"demo-{platform}-{i}", published_at=when),
            )
    await listening_demo.seed(uow, ws, now)
    return ws, key.key
