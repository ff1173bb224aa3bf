"""Refreshing retargeting audiences (SEG-3), their members, and the export (SEG-4)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audiences.models import Audience, AudienceKind
from shared.audiences.schemas import SegmentRule
from shared.db.due import lock_due
from shared.db.pagination import Page, bad_cursor, decode_key, encode_key
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import Conflict, NotFound
from shared.i18n import Text, catalog
from shared.jobs.service import failed_for_good, long_work_page, read_as_failed
from shared.jobs.work import IngestStatus as RefreshStatus
from shared.segments import rules
from shared.segments.jobs import RefreshSegment
from shared.segments.models import AudienceMember, AudienceRefresh
from shared.segments.rules import Tier
from shared.segments.schemas import RefreshRead, SegmentComputed

TEXTS = catalog(
    "segments",
    {
        "not-retargeting": Text(
            en="a {kind} audience has no members here: the platforms compute it",
            fr="une audience {kind} n'a pas de membres ici : les plateformes la calculent",
        ),
    },
)


def refreshes(uow: UnitOfWork) -> TenantRepository[AudienceRefresh]:
    return TenantRepository(uow.session, AudienceRefresh, "audience refresh")


async def retargeting(uow: UnitOfWork, workspace_id: uuid.UUID, audience_id: uuid.UUID) -> Audience:
    audience = await TenantRepository(uow.session, Audience, "audience").get(
        workspace_id, audience_id
    )
    if audience.kind != AudienceKind.retargeting:
        raise Conflict(TEXTS["not-retargeting"].of(kind=audience.kind), "not-retargeting")
    return audience


def request(uow: UnitOfWork, audience: Audience, trigger: str) -> AudienceRefresh:
    refresh = AudienceRefresh(
        id=uuid.uuid4(),
        workspace_id=audience.workspace_id,
        audience_id=audience.id,
        status=RefreshStatus.queued,
        trigger=trigger,
    )
    uow.session.add(refresh)
    job = uow.enqueue(RefreshSegment(refresh_id=refresh.id), workspace_id=audience.workspace_id)
    refresh.job_id = job.id
    return refresh


async def refresh_now(
    uow: UnitOfWork, workspace_id: uuid.UUID, audience_id: uuid.UUID
) -> AudienceRefresh:
    audience = await retargeting(uow, workspace_id, audience_id)
    refresh = request(uow, audience, "on_demand")
    await uow.session.flush()
    return refresh


async def get_refresh(
    uow: UnitOfWork, workspace_id: uuid.UUID, audience_id: uuid.UUID, refresh_id: uuid.UUID
) -> RefreshRead:
    refresh = await refreshes(uow).get(workspace_id, refresh_id)
    if refresh.audience_id != audience_id:
        raise NotFound("audience refresh", refresh_id)
    read = RefreshRead.model_validate(refresh)
    if refresh.status == RefreshStatus.queued:
        read = read_as_failed(read, await failed_for_good(uow.session, refresh.job_id))
    return read


async def list_refreshes(
    uow: UnitOfWork, workspace_id: uuid.UUID, audience_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[RefreshRead]:
    """An audience's refreshes, newest first (its size over time); a refresh whose job
    failed for good reads as failed, as `get_refresh` has it."""
    await TenantRepository(uow.session, Audience, "audience").get(workspace_id, audience_id)
    page = await refreshes(uow).page(
        workspace_id, limit, cursor, sort="-created_at", audience_id=audience_id
    )
    return await long_work_page(uow.session, page, RefreshRead)


async def compute(
    uow: UnitOfWork, workspace_id: uuid.UUID, refresh_id: uuid.UUID, now: datetime
) -> None:
    """Members replaced set-based from the compiled rule, the audience's size and tiers
    updated and `segment.computed` emitted, in the job's transaction."""
    session = uow.session
    # The audience's row first, then the refresh's: the order a deletion of the audience
    # takes them in (its cascade reaches the refreshes), so the two never deadlock.
    audience_id = await session.scalar(
        sa.select(AudienceRefresh.audience_id).where(
            AudienceRefresh.workspace_id == workspace_id, AudienceRefresh.id == refresh_id
        )
    )
    if audience_id is None:
        raise NotFound("audience refresh", refresh_id)
    audience = await session.get(
        Audience, {"id": audience_id, "workspace_id": workspace_id}, with_for_update=True
    )
    refresh = await refreshes(uow).get(workspace_id, refresh_id, lock=True)
    if refresh.status != RefreshStatus.queued:
        return
    if audience is None or audience.kind != AudienceKind.retargeting:
        refresh.status, refresh.error, refresh.finished_at = (
            RefreshStatus.failed,
            "the audience is gone or no longer a retargeting audience",
            now,
        )
        return
    rule = SegmentRule.model_validate(audience.definition["rule"])
    compiled = rules.members(rule, workspace_id, now)
    await session.execute(
        sa.delete(AudienceMember).where(AudienceMember.audience_id == audience.id)
    )
    await session.execute(
        sa.text(
            "INSERT INTO audience_members (audience_id, visitor_id, workspace_id, touches, tier) "
            f"SELECT :audience, visitor_id, :workspace, touches, tier FROM ({compiled.sql}) m"
        ),
        {**compiled.params, "audience": audience.id},
    )
    counts = dict(
        (
            await session.execute(
                sa.select(AudienceMember.tier, sa.func.count())
                .where(AudienceMember.audience_id == audience.id)
                .group_by(AudienceMember.tier)
            )
        ).all()
    )
    size = int(sum(counts.values()))
    tiers = {tier.value: int(counts.get(tier, 0)) for tier in Tier} if rule.tiers else None
    previous = audience.size
    audience.size, audience.tier_counts, audience.computed_at = size, tiers, now
    refresh.size, refresh.previous_size = size, previous
    refresh.status, refresh.finished_at = RefreshStatus.succeeded, now
    await session.flush()
    uow.emit(
        workspace_id,
        SegmentComputed(
            audience_id=audience.id,
            refresh_id=refresh.id,
            size=size,
            previous_size=previous,
            change=None if previous is None else size - previous,
            tier_counts=tiers,
            computed_at=now,
        ),
    )


async def schedule_due(uow: UnitOfWork, now: datetime) -> int:
    """A refresh for every retargeting audience whose `refresh_every_minutes` has passed
    since its last one, unless one is already waiting."""

    def waiting(workspace_id: uuid.UUID | None) -> sa.Exists:
        return sa.exists().where(
            AudienceRefresh.workspace_id == Audience.workspace_id,
            sa.true() if workspace_id is None else AudienceRefresh.workspace_id == workspace_id,
            AudienceRefresh.audience_id == Audience.id,
            AudienceRefresh.status == RefreshStatus.queued,
        )

    due = await lock_due(
        uow.session,
        Audience,
        lambda workspace_id: sa.and_(
            Audience.kind == AudienceKind.retargeting,
            sa.or_(
                Audience.computed_at.is_(None),
                Audience.computed_at
                + sa.func.make_interval(0, 0, 0, 0, 0, Audience.refresh_every_minutes)
                <= now,
            ),
            ~waiting(workspace_id),
        ),
        order_by=Audience.computed_at.asc().nulls_first(),
        limit=500,
    )
    for audience in due:
        request(uow, audience, "schedule")
    await uow.session.flush()
    return len(due)


async def list_members(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    audience_id: uuid.UUID,
    *,
    tier: Tier | None,
    limit: int,
    cursor: str | None,
) -> Page[AudienceMember]:
    """Ordered by visitor id (the key: exact keyset paging)."""
    await retargeting(uow, workspace_id, audience_id)
    stmt = sa.select(AudienceMember).where(AudienceMember.audience_id == audience_id)
    if tier is not None:
        stmt = stmt.where(AudienceMember.tier == tier)
    if cursor:
        (after,) = decode_key(cursor, f"members:{audience_id}", 1)
        if not after:
            raise bad_cursor()
        stmt = stmt.where(AudienceMember.visitor_id > after)
    rows = list(
        await uow.session.scalars(stmt.order_by(AudienceMember.visitor_id).limit(limit + 1))
    )
    next_cursor = (
        encode_key(f"members:{audience_id}", rows[limit - 1].visitor_id)
        if len(rows) > limit
        else None
    )
    return Page(items=rows[:limit], next_cursor=next_cursor)


EXPORT_CHUNK = 5_000


async def export_rows(
    engine: AsyncEngine, audience_id: uuid.UUID, tier: Tier | None
) -> AsyncIterator[str]:
    """CSV lines for the platforms' customer-list upload (SEG-4): the hashes of
    consenting members only, read with a server-side cursor (a million members never sit
    in memory). Its own connection: the response streams after the request's unit of
    work has ended."""
    yield "email,phone\n"
    query = sa.text(
        "SELECT v.email_sha256, v.phone_sha256 FROM audience_members m "
        "JOIN visitors v ON v.workspace_id = m.workspace_id AND v.visitor_id = m.visitor_id "
        "WHERE m.audience_id = :audience AND v.consent IS TRUE "
        "AND (v.email_sha256 IS NOT NULL OR v.phone_sha256 IS NOT NULL) "
        + ("AND m.tier = :tier " if tier is not None else "")
        + "ORDER BY m.visitor_id"
    )
    params: dict[str, object] = {"audience": audience_id}
    if tier is not None:
        params["tier"] = tier.value
    async with engine.connect() as conn:
        result = await conn.stream(query, params)
        async for chunk in result.partitions(EXPORT_CHUNK):
            yield "".join(f"{email or ''},{phone or ''}\n" for email, phone in chunk)
