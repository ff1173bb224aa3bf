"""Workspaces (tenants) and their API keys (API-2)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.db.base import utcnow
from shared.db.driver import DriverStatement
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from shared.events.models import TrackedEvent
from shared.i18n import Text, catalog
from shared.kpis import ranges
from shared.kpis.jobs import RebuildRollups
from shared.metrics.models import MetricSnapshot
from shared.workspaces.models import ApiKey, Role, Workspace, locale_language
from shared.workspaces.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    RangeRead,
    WorkspaceCreate,
    WorkspaceDetail,
    WorkspaceRead,
    WorkspaceUpdate,
)

TEXTS = catalog(
    "workspaces",
    {
        "role": Text(
            en="this operation needs the '{role}' role; the key is '{key_role}'",
            fr="cette opération exige le rôle « {role} » ; la clé a le rôle « {key_role} »",
        ),
        "currency-in-use": Text(
            en="amounts are already recorded in {currency}: its currency can no longer change "
            "(a campaign may have a currency of its own)",
            fr="des montants sont déjà enregistrés en {currency} : sa devise ne peut plus "
            "changer (une campagne peut avoir sa propre devise)",
        ),
        "key-limit": Text(
            en="a workspace holds at most {count} usable API keys (each multiplies the rate "
            "limit); revoke one it no longer needs, then create this one",
            fr="un espace de travail détient au plus {count} clés d'API utilisables (chacune "
            "multiplie la limite de débit) ; révoquez-en une inutile, puis créez celle-ci",
        ),
        "last-admin-key": Text(
            en="this is the workspace's last admin key: revoking it would leave nobody able "
            "to manage keys or webhooks; create another admin key first, then revoke this one",
            fr="c'est la dernière clé admin de l'espace de travail : la révoquer ne laisserait "
            "personne gérer les clés ni les webhooks ; créez d'abord une autre clé admin, "
            "puis révoquez celle-ci",
        ),
        "key-invalid": Text(en="the API key is not valid", fr="la clé d'API n'est pas valide"),
        "key-revoked": Text(en="the API key was revoked", fr="la clé d'API a été révoquée"),
        "key-expired": Text(en="the API key has expired", fr="la clé d'API a expiré"),
    },
)


KEY_PREFIX = "smm_"
#: last_used_at is refreshed at most this often, so reads do not become writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(key, prefix): 256 random bits behind a recognisable, greppable prefix."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[: len(KEY_PREFIX) + 6]


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved once per request from the API key."""

    key_id: uuid.UUID
    workspace_id: uuid.UUID
    role: Role

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise PermissionDenied(TEXTS["role"].of(role=role, key_role=self.role))


def keys(uow: UnitOfWork) -> TenantRepository[ApiKey]:
    return TenantRepository(uow.session, ApiKey, "API key")


async def create_workspace(
    uow: UnitOfWork, body: WorkspaceCreate
) -> tuple[Workspace, ApiKeyCreated]:
    workspace = Workspace(
        id=uuid.uuid4(),
        name=body.name,
        timezone=body.timezone,
        currency=body.currency,
        locale=body.locale,
        language=body.language or locale_language(body.locale),
        settings={},
    )
    uow.session.add(workspace)
    await uow.session.flush()
    key = await create_key(
        uow, workspace.id, ApiKeyCreate(name="Initial admin key", role=Role.admin)
    )
    return workspace, key


def detail(workspace: Workspace) -> WorkspaceDetail:
    references = ranges.workspace_ranges(workspace.settings)
    return WorkspaceDetail(
        **WorkspaceRead.model_validate(workspace).model_dump(),
        kpi_ranges={
            name: RangeRead(low=str(r.low), high=str(r.high)) for name, r in references.items()
        },
    )


async def _currency_unused(uow: UnitOfWork, workspace: Workspace) -> None:
    """A workspace's currency names the amounts recorded in it (production costs of items
    outside a campaign, event values, snapshot amounts): once one is, changing the code
    would relabel them without converting them, so it is refused (campaigns keep their own
    currency). As on ad accounts, whose currency is fixed once they have spent."""
    recorded = sa.or_(
        sa.exists().where(
            ContentItem.workspace_id == workspace.id,
            ContentItem.campaign_id.is_(None),
            ContentItem.production_cost.is_not(None),
        ),
        sa.exists().where(
            TrackedEvent.workspace_id == workspace.id, TrackedEvent.value.is_not(None)
        ),
        sa.exists().where(
            MetricSnapshot.workspace_id == workspace.id,
            MetricSnapshot.campaign_id.is_(None),
            sa.or_(MetricSnapshot.spend.is_not(None), MetricSnapshot.conversion_value.is_not(None)),
        ),
    )
    if await uow.session.scalar(sa.select(recorded)):
        raise Conflict(TEXTS["currency-in-use"].of(currency=workspace.currency), "currency-in-use")


async def get_workspace(uow: UnitOfWork, workspace_id: uuid.UUID) -> Workspace:
    workspace = await uow.session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace", workspace_id)
    return workspace


async def list_workspaces(uow: UnitOfWork) -> list[Workspace]:
    """Every workspace, oldest first: the operator's view (`smm workspace list`), which no
    API key has."""
    rows = await uow.session.scalars(
        sa.select(Workspace).order_by(Workspace.created_at, Workspace.id)
    )
    return list(rows)


async def list_keys(uow: UnitOfWork, workspace_id: uuid.UUID) -> list[ApiKey]:
    """Every key of an existing workspace, revoked and expired ones too, oldest first
    (`smm key list`): the operator sees what a workspace holds in one go."""
    await get_workspace(uow, workspace_id)
    rows = await uow.session.scalars(
        keys(uow).select(workspace_id).order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(rows)


async def update_workspace(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: WorkspaceUpdate, expected_version: int | None
) -> Workspace:
    workspace = await uow.session.get(Workspace, workspace_id, with_for_update=True)
    if workspace is None:
        raise NotFound("workspace", workspace_id)
    check_version(workspace, expected_version)
    changes = body.changes()
    overrides = changes.pop("kpi_ranges", None)
    if overrides is not None:
        current = dict(workspace.settings.get("kpi_ranges") or {})
        for name, bounds in overrides.items():
            if bounds is None:
                current.pop(name, None)
            else:
                current[name] = {"low": str(bounds.low), "high": str(bounds.high)}
        workspace.settings = {**workspace.settings, "kpi_ranges": current}
    if changes.get("currency", workspace.currency) != workspace.currency:
        await _currency_unused(uow, workspace)
    if changes.get("timezone", workspace.timezone) != workspace.timezone:
        # The rollups are bucketed by local day: the worker re-buckets them.
        uow.enqueue(RebuildRollups(), workspace_id=workspace_id)
    for name, value in changes.items():
        setattr(workspace, name, value)
    await uow.session.flush()
    return workspace


#: Usable (not revoked, not expired) keys a workspace may hold: the rate limit is per key.
MAX_KEYS = 100


async def create_key(uow: UnitOfWork, workspace_id: uuid.UUID, body: ApiKeyCreate) -> ApiKeyCreated:
    now = utcnow()
    if body.expires_at is not None and body.expires_at <= now:
        raise ValidationFailed(
            [FieldError(("body", "expires_at"), "must be in the future", "value_error")]
        )
    # Creations in one workspace queue on its row, so the cap holds under concurrency.
    await uow.session.execute(
        sa.select(Workspace.id).where(Workspace.id == workspace_id).with_for_update()
    )
    usable = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiKey)
        .where(ApiKey.workspace_id == workspace_id, _usable(now))
    )
    if (usable or 0) >= MAX_KEYS:
        raise Conflict(TEXTS["key-limit"].of(count=MAX_KEYS), "key-limit")
    secret, prefix = new_key()
    row = ApiKey(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=body.name,
        role=body.role,
        prefix=prefix,
        key_hash=hash_key(secret),
        expires_at=body.expires_at,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    await uow.session.flush()
    return ApiKeyCreated(**ApiKeyRead.model_validate(row).model_dump(), key=secret)


def _usable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        ApiKey.revoked_at.is_(None),
        sa.or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
    )


async def revoke_key(uow: UnitOfWork, workspace_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke a key, unless it is the workspace's last usable admin key: nobody could then
    manage keys or webhooks, and only the operator could make a new workspace."""
    # Revocations in one workspace queue on its row, so two admins revoking each other's
    # keys at once cannot both see the other key still there.
    await uow.session.execute(
        sa.select(Workspace.id).where(Workspace.id == workspace_id).with_for_update()
    )
    row = await keys(uow).get(workspace_id, key_id)
    if row.revoked_at is not None:
        return
    now = utcnow()
    if row.role == Role.admin and (row.expires_at is None or row.expires_at > now):
        others = await uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(ApiKey)
            .where(
                ApiKey.workspace_id == workspace_id,
                ApiKey.id != key_id,
                ApiKey.role == Role.admin,
                _usable(now),
            )
        )
        if not others:
            raise Conflict(TEXTS["last-admin-key"].of(), "last-admin-key")
    row.revoked_at = now


_keys = ApiKey.__table__
assert isinstance(_keys, sa.Table)
#: The lookup of every authenticated request, run on the driver (`shared.db.driver`).
KEY_LOOKUP = DriverStatement.of(
    sa.select(
        _keys.c.id,
        _keys.c.workspace_id,
        _keys.c.role,
        _keys.c.revoked_at,
        _keys.c.expires_at,
        _keys.c.last_used_at,
    ).where(_keys.c.key_hash == sa.bindparam("key_hash"))
)
#: Only if still stale: processes that saw the same stale value write it once between them.
#: `updated_at` moves with it, as the ORM's update did.
KEY_TOUCH = DriverStatement.of(
    sa.update(_keys)
    .where(
        _keys.c.id == sa.bindparam("key_id"),
        sa.or_(_keys.c.last_used_at.is_(None), _keys.c.last_used_at < sa.bindparam("stale")),
    )
    .values(last_used_at=sa.bindparam("now"), updated_at=sa.bindparam("now"))
)


def _principal(row: Any, now: datetime) -> Principal:
    """The caller of a key's row, if the key may be used at `now`."""
    if row is None:
        raise Unauthenticated(TEXTS["key-invalid"].of())
    if row["revoked_at"] is not None:
        raise Unauthenticated(TEXTS["key-revoked"].of())
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthenticated(TEXTS["key-expired"].of())
    return Principal(key_id=row["id"], workspace_id=row["workspace_id"], role=Role(row["role"]))


def _stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION


async def authenticate(uow: UnitOfWork, key: str, now: datetime) -> Principal:
    """The caller of `key`, through the unit of work's session (the demo's seeding)."""
    if not key.startswith(KEY_PREFIX):
        raise Unauthenticated(TEXTS["key-invalid"].of())
    found = (
        await uow.session.execute(
            sa.select(
                ApiKey.id,
                ApiKey.workspace_id,
                ApiKey.role,
                ApiKey.revoked_at,
                ApiKey.expires_at,
                ApiKey.last_used_at,
            ).where(ApiKey.key_hash == hash_key(key))
        )
    ).one_or_none()
    principal = _principal(found._mapping if found is not None else None, now)
    if found is not None and _stale(found.last_used_at, now):
        await uow.session.execute(
            sa.update(ApiKey).where(ApiKey.id == found.id).values(last_used_at=now)
        )
    return principal


async def authenticate_on(conn: asyncpg.Connection, key: str, now: datetime) -> Principal:
    """The caller of `key`, looked up on a driver connection: what every API request
    runs, one prepared statement (and a write at most every LAST_USED_RESOLUTION)."""
    if not key.startswith(KEY_PREFIX):
        raise Unauthenticated(TEXTS["key-invalid"].of())
    row = await KEY_LOOKUP.fetchrow(conn, key_hash=hash_key(key))
    principal = _principal(row, now)
    if row is not None and _stale(row["last_used_at"], now):
        await KEY_TOUCH.execute(
            conn, key_id=principal.key_id, stale=now - LAST_USED_RESOLUTION, now=now
        )
    return principal
