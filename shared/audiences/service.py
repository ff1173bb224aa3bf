from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from shared.audiences.models import Audience, AudienceKind
from shared.audiences.schemas import (
    KIND_FIELDS,
    AudienceCreate,
    AudienceUpdate,
    LookalikeAudienceCreate,
    RetargetingAudienceCreate,
    SavedAudienceCreate,
    SegmentRule,
)
from shared.campaigns.models import Campaign
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, FieldError, ValidationFailed
from shared.i18n import Text, catalog

TEXTS = catalog(
    "audiences",
    {
        "in-use": Text(
            en="{count} lookalike audience(s) are built on this one",
            fr="{count} audience(s) similaire(s) reposent sur celle-ci",
        ),
    },
)


def repo(uow: UnitOfWork) -> TenantRepository[Audience]:
    return TenantRepository(uow.session, Audience, "audience")


async def _check_rule(uow: UnitOfWork, workspace_id: uuid.UUID, rule: SegmentRule) -> None:
    refs = [
        (("body", "rule", part, i, "campaign_id"), cond.campaign_id)
        for part in ("include", "exclude")
        for i, cond in enumerate(getattr(rule, part))
        if cond.campaign_id is not None
    ]
    await TenantRepository(uow.session, Campaign, "campaign").check_references(workspace_id, refs)


async def _check_source(uow: UnitOfWork, workspace_id: uuid.UUID, source_id: uuid.UUID) -> None:
    source = await uow.session.scalar(
        repo(uow).select(workspace_id).where(Audience.id == source_id)
    )
    loc = ("body", "source_audience_id")
    if source is None:
        raise ValidationFailed(
            [FieldError(loc, f"audience {source_id} does not exist", "unknown_reference")]
        )
    if source.kind == AudienceKind.lookalike:
        raise ValidationFailed(
            [FieldError(loc, "a lookalike cannot be the source of another", "invalid_source")]
        )


def _definition(body: Any) -> dict[str, Any]:
    if isinstance(body, SavedAudienceCreate):
        return {"targeting": body.targeting.model_dump(mode="json")}
    if isinstance(body, RetargetingAudienceCreate):
        return {"rule": body.rule.model_dump(mode="json")}
    assert isinstance(body, LookalikeAudienceCreate)
    return {"country": body.country, "ratio": str(body.ratio)}


async def create(uow: UnitOfWork, workspace_id: uuid.UUID, body: AudienceCreate) -> Audience:
    if isinstance(body, RetargetingAudienceCreate):
        await _check_rule(uow, workspace_id, body.rule)
    if isinstance(body, LookalikeAudienceCreate):
        await _check_source(uow, workspace_id, body.source_audience_id)
    audience = Audience(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=body.name,
        kind=body.kind,
        description=body.description,
        platforms=[p.value for p in body.platforms],
        definition=_definition(body),
        source_audience_id=getattr(body, "source_audience_id", None),
        refresh_every_minutes=getattr(body, "refresh_every_minutes", None),
    )
    uow.session.add(audience)
    await uow.session.flush()
    return audience


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    audience_id: uuid.UUID,
    body: AudienceUpdate,
    expected_version: int | None,
) -> Audience:
    audience = await repo(uow).get(workspace_id, audience_id, lock=True)
    check_version(audience, expected_version)
    changes = body.changes()
    foreign = set(changes) - {"name", "description", "platforms"} - KIND_FIELDS[audience.kind]
    if foreign:
        raise ValidationFailed(
            [
                FieldError(
                    ("body", f), f"not a field of a {audience.kind} audience", "extra_forbidden"
                )
                for f in sorted(foreign)
            ]
        )
    if body.rule is not None:
        await _check_rule(uow, workspace_id, body.rule)
    as_json = body.model_dump(mode="json", include=set(changes))
    definition = dict(audience.definition)
    for field, value in changes.items():
        if field in {"name", "description", "platforms", "refresh_every_minutes"}:
            setattr(audience, field, value)
        else:
            definition[field] = as_json[field]
    audience.definition = definition
    await uow.session.flush()
    return audience


async def delete(uow: UnitOfWork, workspace_id: uuid.UUID, audience_id: uuid.UUID) -> None:
    audience = await repo(uow).get(workspace_id, audience_id, lock=True)
    derived = await uow.session.scalar(
        sa.select(sa.func.count()).where(Audience.source_audience_id == audience.id)
    )
    if derived:
        raise Conflict(TEXTS["in-use"].of(count=derived), "in-use")
    await uow.session.delete(audience)
