from __future__ import annotations

import uuid

import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict
from shared.i18n import Text, catalog
from shared.social_accounts.models import SocialAccount
from shared.social_accounts.schemas import SocialAccountCreate, SocialAccountUpdate

TEXTS = catalog(
    "social_accounts",
    {
        "duplicate": Text(
            en="{platform} account {external_id} is already connected as {id}",
            fr="le compte {platform} {external_id} est déjà connecté : {id}",
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
