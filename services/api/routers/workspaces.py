from __future__ import annotations

import uuid

from fastapi import Response, status

from services.api.deps import (
    AdminKey,
    Cursor,
    IfMatch,
    Limit,
    NoStore,
    Operator,
    UoW,
    ViewerKey,
    page_out,
    v1_router,
    with_etag,
)
from services.api.problems import BODY, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut
from shared.workspaces import service
from shared.workspaces.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    WorkspaceCreate,
    WorkspaceCreated,
    WorkspaceDetail,
    WorkspaceRead,
    WorkspaceUpdate,
)

router = v1_router("", "workspaces")


@router.post(
    "/workspaces",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkspaceCreated,
    summary="Create a workspace and its first admin key (operator token)",
    responses=IDEMPOTENCY,
    dependencies=[NoStore],
)
async def create_workspace(body: WorkspaceCreate, uow: UoW, _: Operator) -> WorkspaceCreated:
    workspace, key = await service.create_workspace(uow, body)
    return WorkspaceCreated(workspace=WorkspaceRead.model_validate(workspace), api_key=key)


@router.get(
    "/workspace",
    response_model=WorkspaceDetail,
    summary="The key's workspace, with the KPI reference ranges in force",
)
async def get_workspace(uow: UoW, key: ViewerKey, response: Response) -> WorkspaceDetail:
    workspace = await service.get_workspace(uow, key.workspace_id)
    with_etag(response, workspace)
    return service.detail(workspace)


@router.patch(
    "/workspace",
    response_model=WorkspaceDetail,
    summary="Rename the workspace, change its time zone or currency, or its KPI ranges",
    responses={**BODY, **PRECONDITION},
)
async def update_workspace(
    body: WorkspaceUpdate, uow: UoW, key: AdminKey, version: IfMatch, response: Response
) -> WorkspaceDetail:
    workspace = await service.update_workspace(uow, key.workspace_id, body, version)
    with_etag(response, workspace)
    return service.detail(workspace)


@router.get(
    "/api-keys", response_model=PageOut[ApiKeyRead], summary="List the workspace's API keys"
)
async def list_api_keys(
    uow: UoW, key: AdminKey, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> PageOut[ApiKeyRead]:
    return page_out(ApiKeyRead, await service.keys(uow).page(key.workspace_id, limit, cursor))


@router.get(
    "/api-key",
    response_model=ApiKeyRead,
    summary="The key making the request: its role and expiry (what a client offers it)",
    description="Beside `/v1/workspace`, the key's workspace: a path of its own, not one of "
    "`/v1/api-keys/{key_id}`.",
)
async def get_current_api_key(uow: UoW, key: ViewerKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await service.keys(uow).get(key.workspace_id, key.key_id))


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    summary="Create an API key (the secret is shown once)",
    responses=IDEMPOTENCY,
    dependencies=[NoStore],
)
async def create_api_key(body: ApiKeyCreate, uow: UoW, key: AdminKey) -> ApiKeyCreated:
    return await service.create_key(uow, key.workspace_id, body)


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    responses=NOT_FOUND,
)
async def revoke_api_key(key_id: uuid.UUID, uow: UoW, key: AdminKey) -> None:
    await service.revoke_key(uow, key.workspace_id, key_id)
