"""A demo workspace where every report tells a story: a lighting brand's seasonal launch
on Meta and TikTok, its B2B lead campaign on LinkedIn (which leaks at the lead form), a
shop opening ahead, three months of snapshots, visitors, mentions, alerts and webhooks.

`ensure` seeds it once (idempotent: `make run`, `smm seed`); everything is relative to
`now` and drawn from seeded generators, so two seeds a month apart tell the same story.
The data goes through the product's own services and jobs' functions, run inline: the
demo is complete when the seed commits, whatever the worker is doing.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import structlog

from shared.attribution.jobs import RunAttribution
from shared.audiences import service as audiences
from shared.audiences.models import Audience
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
from shared.config import Settings
from shared.content import service as content
from shared.content.models import ContentStatus
from shared.content.schemas import ContentItemCreate, Publication
from shared.content.status import change_status
from shared.db.uow import UnitOfWork
from shared.demo import listening as listening_demo
from shared.demo import metrics as metrics_demo
from shared.demo import visitors
from shared.demo import webhooks as webhooks_demo
from shared.demo.plan import CampaignPlan, Plan, build
from shared.errors import DomainError
from shared.jobs.models import Job, JobStatus
from shared.listening.jobs import AnalyseMentions
from shared.metrics.jobs import MergeSnapshots
from shared.segments.jobs import RefreshSegment
from shared.social_accounts import service as accounts
from shared.social_accounts.models import Platform
from shared.social_accounts.schemas import SocialAccountCreate
from shared.workspaces import service as workspaces
from shared.workspaces.models import Role, Workspace
from shared.workspaces.schemas import ApiKeyCreate, WorkspaceCreate

DEMO_NAME = "Maison Lumière (demo)"
DEFAULT_DAYS = 90
log = structlog.get_logger(__name__)
#: The jobs the seed records and runs inline: left pending, the worker would find them done.
INLINE_JOBS = (MergeSnapshots.NAME, AnalyseMentions.NAME, RunAttribution.NAME, RefreshSegment.NAME)


async def find_demo(uow: UnitOfWork) -> Workspace | None:
    return await uow.session.scalar(
        sa.select(Workspace).where(Workspace.name == DEMO_NAME).limit(1)
    )


async def ensure(
    uow: UnitOfWork,
    now: datetime,
    saved_key: str | None,
    settings: Settings,
    days: int = DEFAULT_DAYS,
) -> str:
    """The demo workspace's admin key: seeds it once (`days` of history); a lost key is
    replaced, not the data."""
    existing = await find_demo(uow)
    if existing is None:
        _, key = await seed(uow, now, settings, days)
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


async def seed(
    uow: UnitOfWork, now: datetime, settings: Settings, days: int = DEFAULT_DAYS
) -> tuple[uuid.UUID, str]:
    """Create the demo workspace with `days` (14 to 365) of history; returns its id and
    admin key."""
    if not 14 <= days <= 365:
        raise ValueError("the demo's history is 14 to 365 days long")
    started = time.perf_counter()
    workspace, key = await workspaces.create_workspace(
        uow, WorkspaceCreate(name=DEMO_NAME, timezone="Europe/Paris", currency="EUR")
    )
    ws = workspace.id
    plan = build(now, days)
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
    audience = await _audiences(uow, ws)

    found = metrics_demo.series(plan)
    per_campaign = metrics_demo.campaign_series(plan, found)
    campaign_ids: dict[str, uuid.UUID] = {}
    for spec in plan.campaigns:
        campaign_ids[spec.key] = await _campaign(uow, ws, spec, plan, per_campaign, audience)

    item_ids: dict[str, uuid.UUID] = {}
    flow = [ContentStatus.in_review, ContentStatus.approved, ContentStatus.scheduled]
    #: How far along `flow` each final status goes; scheduled and published take it all.
    steps_to = {ContentStatus.draft: 0, ContentStatus.in_review: 1, ContentStatus.approved: 2}
    for i, it in enumerate(plan.items):
        published = it.status == ContentStatus.published
        item = await content.create(
            uow,
            ws,
            ContentItemCreate(
                social_account_id=account[it.platform].id,
                campaign_id=campaign_ids[it.campaign] if it.campaign else None,
                format=it.format,
                title=it.title,
                caption=it.caption,
                paid=it.paid,
                production_cost=it.production_cost,
                ab_test_group=it.ab[0] if it.ab else None,
                variant=it.ab[1] if it.ab else None,
                media_urls=[f"https://cdn.maisonlumiere.example/{it.format}/{i}.jpg"],
                link_url="https://www.maisonlumiere.example/collection" if it.paid else None,
                scheduled_at=now + timedelta(hours=1) if published else it.at,
            ),
        )
        for step in flow[: steps_to.get(it.status, len(flow))]:
            change_status(uow, item, step, now)
        if published:
            item.scheduled_at = it.at  # it was due then; the demo replays history
            await content.publish(
                uow,
                ws,
                item.id,
                Publication(external_post_id=f"demo-{it.platform}-{i}", published_at=it.at),
            )
        item_ids[it.key] = item.id
    mark = time.perf_counter()
    rows = metrics_demo.rows(plan, found, per_campaign, item_ids, campaign_ids)
    await metrics_demo.ingest(uow, ws, rows, now)
    timings = {"setup": mark - started, "snapshots": time.perf_counter() - mark}

    mark = time.perf_counter()
    campaign_of = {it.key: campaign_ids[it.campaign] if it.campaign else None for it in plan.items}
    journeys = visitors.journeys(plan)
    await visitors.ingest(uow, ws, journeys, item_ids, campaign_of, now)
    retargeting = [a for a in audience.values() if a.kind == "retargeting"]
    await visitors.refresh(uow, retargeting, now)
    await visitors.attribute(uow, ws, plan)
    timings["visitors"] = time.perf_counter() - mark

    mark = time.perf_counter()
    await listening_demo.seed(uow, ws, plan)
    timings["listening"] = time.perf_counter() - mark
    if settings.secrets_key is not None:
        await webhooks_demo.seed(uow, ws, settings, now, days)
    else:
        log.warning("demo.no_webhooks", reason="SECRETS_KEY is not set: no endpoint to encrypt")
    await uow.session.execute(
        sa.update(Job)
        .where(Job.workspace_id == ws, Job.status == JobStatus.pending, Job.name.in_(INLINE_JOBS))
        .values(status=JobStatus.done, attempts=1, finished_at=now)
    )
    log.info(
        "demo.seeded",
        days=days,
        snapshots=len(rows),
        events=len(journeys),
        seconds=round(time.perf_counter() - started, 2),
        **{f"{k}_seconds": round(v, 2) for k, v in timings.items()},
    )
    return ws, key.key


async def _audiences(uow: UnitOfWork, ws: uuid.UUID) -> dict[str, Audience]:
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
    engaged = await audiences.create(
        uow,
        ws,
        RetargetingAudienceCreate(
            kind="retargeting",
            name="Visiteurs engagés 30 j, sans achat",
            rule=SegmentRule(
                include=[Condition(event="visit", within_days=30, min_count=2)],
                exclude=[Condition(event="purchase", within_days=30)],
                tiers=True,
            ),
            platforms=[Platform.instagram, Platform.facebook, Platform.tiktok],
        ),
    )
    buyers = await audiences.create(
        uow,
        ws,
        RetargetingAudienceCreate(
            kind="retargeting",
            name="Acheteurs 180 j",
            rule=SegmentRule(include=[Condition(event="purchase", within_days=180)], tiers=True),
            refresh_every_minutes=1440,
            platforms=[Platform.facebook, Platform.instagram],
        ),
    )
    lookalike = await audiences.create(
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
    return {
        "paris": paris,
        "abandoners": abandoners,
        "engaged": engaged,
        "buyers": buyers,
        "lookalike": lookalike,
    }


def _budget(
    spec: CampaignPlan, plan: Plan, per_campaign: dict[str, metrics_demo.Series]
) -> Decimal | None:
    """A started campaign's budget is what makes its spend so far pace as planned."""
    if spec.pacing is None:
        return spec.budget
    spent = sum(
        (Decimal(v["spend"] or 0) for v in per_campaign[spec.key].daily.values()), Decimal(0)
    )
    elapsed = (plan.now - spec.starts_at) / (spec.ends_at - spec.starts_at)
    budget = spent / (Decimal(str(elapsed)) * spec.pacing)
    return (budget / 500).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 500


async def _campaign(
    uow: UnitOfWork,
    ws: uuid.UUID,
    spec: CampaignPlan,
    plan: Plan,
    per_campaign: dict[str, metrics_demo.Series],
    audience: dict[str, Audience],
) -> uuid.UUID:
    targets = Targets.model_validate(spec.targets)
    audiences_of = {
        "sales": [audience["paris"].id, audience["abandoners"].id],
        "lyon": [audience["paris"].id, audience["engaged"].id],
    }
    campaign = await campaigns.create(
        uow,
        ws,
        CampaignCreate(
            name=spec.name,
            objective=spec.objective,
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            budget=_budget(spec, plan, per_campaign),
            platforms=list(spec.platforms),
            audience_ids=audiences_of.get(spec.key, []),
            targets=targets,
            utm=Utm(source=spec.utm[0], medium=spec.utm[1], campaign=spec.utm[2]),
        ),
    )
    for target in (CampaignStatus.scheduled, CampaignStatus.active)[: 2 if spec.active else 1]:
        await campaigns.update(uow, ws, campaign.id, CampaignUpdate(status=target), None)
    return campaign.id
