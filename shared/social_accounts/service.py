from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.crypto import SecretBox
from shared.db.due import lock_due
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict
from shared.i18n import Text, catalog
from shared.jobs.models import Job
from shared.platforms.jobs import SyncAccount
from shared.social_accounts.models import Connection, SocialAccount
from shared.social_accounts.schemas import CredentialsIn, SocialAccountCreate, SocialAccountUpdate

TEXTS = catalog(
    "social_accounts",
    {
        "duplicate": Text(
            en="{platform} account {external_id} is already connected as {id}",
            fr="le compte {platform} {external_id} est déjà connecté : {id}",
        ),
        "not-connected": Text(
            en="the account has no working credentials (connection: {connection}): set them first",
            fr="le compte n'a pas d'identifiants valides (connexion : {connection}) : "
            "renseignez-les d'abord",
        ),
        "in-use": Text(
            en="{count} content item(s) belong to this account: delete or archive them first",
            fr="{count} contenu(s) appartiennent à ce compte : supprimez-les ou archivez-les "
            "d'abord",
        ),
    },
)


def repo(uow: UnitOfWork) -> TenantRepository[SocialAccount]:
    return TenantRepository(uow.session, SocialAccount, "social account")


async def create(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: SocialAccountCreate
) -> SocialAccount:
    duplicate = await uow.session.scalar(
        repo(uow)
        .select(workspace_id)
        .where(
            SocialAccount.platform == body.platform, SocialAccount.external_id == body.external_id
        )
    )
    if duplicate is not None:
        raise Conflict(
            TEXTS["duplicate"].of(
                platform=body.platform, external_id=body.external_id, id=duplicate.id
            ),
            "duplicate",
        )
    account = SocialAccount(id=uuid.uuid4(), workspace_id=workspace_id, **body.model_dump())
    uow.session.add(account)
    await uow.session.flush()
    return account


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    account_id: uuid.UUID,
    body: SocialAccountUpdate,
    expected_version: int | None,
) -> SocialAccount:
    account = await repo(uow).get(workspace_id, account_id, lock=True)
    check_version(account, expected_version)
    for field, value in body.changes().items():
        setattr(account, field, value)
    await uow.session.flush()
    return account


async def delete(uow: UnitOfWork, workspace_id: uuid.UUID, account_id: uuid.UUID) -> None:
    account = await repo(uow).get(workspace_id, account_id, lock=True)
    used = await uow.session.scalar(
        sa.select(sa.func.count()).where(ContentItem.social_account_id == account.id)
    )
    if used:
        raise Conflict(TEXTS["in-use"].of(count=used), "in-use")
    await uow.session.delete(account)


async def set_credentials(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    account_id: uuid.UUID,
    body: CredentialsIn,
    box: SecretBox,
    now: datetime,
) -> SocialAccount:
    """Store the token encrypted; the account is connected again, and pulled at once when
    it has a schedule."""
    account = await repo(uow).get(workspace_id, account_id, lock=True)
    account.access_token_encrypted = box.encrypt(body.access_token)
    account.token_expires_at = body.expires_at
    account.api_version = body.api_version
    account.connection = Connection.connected
    account.sync_interval_minutes = body.sync_interval_minutes
    account.next_sync_at = now if body.sync_interval_minutes else None
    account.last_sync_error = None
    await uow.session.flush()
    return account


async def clear_credentials(
    uow: UnitOfWork, workspace_id: uuid.UUID, account_id: uuid.UUID
) -> SocialAccount:
    account = await repo(uow).get(workspace_id, account_id, lock=True)
    account.access_token_encrypted = None
    account.token_expires_at = None
    account.connection = None
    account.next_sync_at = None
    await uow.session.flush()
    return account


async def sync_now(uow: UnitOfWork, workspace_id: uuid.UUID, account_id: uuid.UUID) -> Job:
    account = await repo(uow).get(workspace_id, account_id)
    if account.connection != Connection.connected:
        raise Conflict(TEXTS["not-connected"].of(connection=account.connection), "not-connected")
    return uow.enqueue(SyncAccount(account_id=account.id), workspace_id=workspace_id)


#: Accounts scheduled per cron tick; the rest wait for the next tick.
SCHEDULE_BATCH = 500


async def schedule_due(uow: UnitOfWork, now: datetime) -> int:
    """A recorded pull for every connected account whose time has come, its next time set
    under the row's lock: workers running this cron together never pull one twice."""
    a = SocialAccount
    due = await lock_due(
        uow.session,
        a,
        lambda _: sa.and_(
            a.connection == Connection.connected,
            a.sync_interval_minutes.is_not(None),
            a.next_sync_at <= now,
        ),
        order_by=a.next_sync_at,
        limit=SCHEDULE_BATCH,
    )
    moves: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = defaultdict(list)
    for account in due:
        assert account.sync_interval_minutes is not None
        uow.enqueue(SyncAccount(account_id=account.id), workspace_id=account.workspace_id)
        moves[account.workspace_id].append(
            (account.id, now + timedelta(minutes=account.sync_interval_minutes))
        )
    # One UPDATE per workspace, not through the ORM: the schedule moving is no edit of
    # the account, and must not change its version (ETag). The times are values: Citus
    # refuses an UPDATE computing one from a column with a STABLE function
    # (timestamptz + interval).
    for workspace_id, pairs in moves.items():
        ids, times = zip(*pairs, strict=True)
        await uow.session.execute(
            _MOVE_SCHEDULE, {"w": workspace_id, "ids": list(ids), "at": list(times)}
        )
    return len(due)


_MOVE_SCHEDULE = sa.text(
    """
    UPDATE social_accounts a SET next_sync_at = m.at
    FROM unnest(CAST(:ids AS uuid[]), CAST(:at AS timestamptz[])) AS m(id, at)
    WHERE a.workspace_id = :w AND a.id = m.id
    """
)
