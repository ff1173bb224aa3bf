from __future__ import annotations

import uuid

from fastapi import Response, status

from services.api.deps import (
    AdminKey,
    Cursor,
    EditorKey,
    Ids,
    IfMatch,
    Limit,
    Res,
    UoW,
    ViewerKey,
    created,
    page_out,
    v1_router,
    with_etag,
)
from services.api.problems import BODY, CONFLICT, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import NoOptions, PageOut
from shared.social_accounts import service
from shared.social_accounts.models import Platform
from shared.social_accounts.schemas import (
    CredentialsIn,
    SocialAccountCreate,
    SocialAccountRead,
    SocialAccountUpdate,
    SyncQueued,
)
from shared.webhooks.service import secret_box

router = v1_router("/social-accounts", "social accounts")


@router.get("", response_model=PageOut[SocialAccountRead], summary="List social accounts")
async def list_social_accounts(
    uow: UoW,
    key: ViewerKey,
    platform: Platform | None = None,
    ids: Ids = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[SocialAccountRead]:
    page = await service.repo(uow).page(key.workspace_id, limit, cursor, ids=ids, platform=platform)
    return page_out(SocialAccountRead, page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SocialAccountRead,
    summary="Connect a social account",
    responses={**CONFLICT, **IDEMPOTENCY},
)
async def create_social_account(
    body: SocialAccountCreate, uow: UoW, key: AdminKey, response: Response
) -> SocialAccountRead:
    account = await service.create(uow, key.workspace_id, body)
    created(response, account, "/v1/social-accounts")
    return SocialAccountRead.model_validate(account)


@router.get(
    "/{account_id}",
    response_model=SocialAccountRead,
    summary="Get a social account",
    responses=NOT_FOUND,
)
async def get_social_account(
    account_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response
) -> SocialAccountRead:
    account = await service.repo(uow).get(key.workspace_id, account_id)
    with_etag(response, account)
    return SocialAccountRead.model_validate(account)


@router.patch(
    "/{account_id}",
    response_model=SocialAccountRead,
    summary="Update a social account",
    responses={**NOT_FOUND, **PRECONDITION, **BODY},
)
async def update_social_account(
    account_id: uuid.UUID,
    body: SocialAccountUpdate,
    uow: UoW,
    key: AdminKey,
    version: IfMatch,
    response: Response,
) -> SocialAccountRead:
    account = await service.update(uow, key.workspace_id, account_id, body, version)
    with_etag(response, account)
    return SocialAccountRead.model_validate(account)


@router.delete(
    "/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect a social account",
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_social_account(account_id: uuid.UUID, uow: UoW, key: AdminKey) -> None:
    await service.delete(uow, key.workspace_id, account_id)


@router.put(
    "/{account_id}/credentials",
    response_model=SocialAccountRead,
    summary="Set the platform credentials and pull schedule (the token is kept encrypted and "
    "never shown)",
    responses={**NOT_FOUND, **BODY},
)
async def set_credentials(
    account_id: uuid.UUID, body: CredentialsIn, uow: UoW, key: AdminKey, resources: Res
) -> SocialAccountRead:
    account = await service.set_credentials(
        uow, key.workspace_id, account_id, body, secret_box(resources.settings), utcnow()
    )
    return SocialAccountRead.model_validate(account)


@router.delete(
    "/{account_id}/credentials",
    response_model=SocialAccountRead,
    summary="Forget the platform credentials: pulls stop",
    responses=NOT_FOUND,
)
async def clear_credentials(account_id: uuid.UUID, uow: UoW, key: AdminKey) -> SocialAccountRead:
    account = await service.clear_credentials(uow, key.workspace_id, account_id)
    return SocialAccountRead.model_validate(account)


@router.post(
    "/{account_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SyncQueued,
    summary="Pull the account's insights now (the worker runs the pull)",
    responses={**NOT_FOUND, **CONFLICT, **IDEMPOTENCY},
)
async def sync_social_account(
    account_id: uuid.UUID, uow: UoW, key: EditorKey, body: NoOptions | None = None
) -> SyncQueued:
    job = await service.sync_now(uow, key.workspace_id, account_id)
    return SyncQueued(account_id=account_id, job_id=job.id)
