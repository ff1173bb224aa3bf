from __future__ import annotations

import uuid

from fastapi import Response, status

from services.api.deps import (
    Cursor,
    EditorKey,
    IfMatch,
    Limit,
    UoW,
    ViewerKey,
    created,
    page_out,
    v1_router,
    with_etag,
)
from services.api.problems import BODY, CONFLICT, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from shared.audiences import service
from shared.audiences.models import AudienceKind
from shared.audiences.schemas import AudienceCreate, AudienceRead, AudienceUpdate
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut

router = v1_router("/audiences", "audiences")


@router.get("", response_model=PageOut[AudienceRead], summary="List audiences")
async def list_audiences(
    uow: UoW,
    key: ViewerKey,
    kind: AudienceKind | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[AudienceRead]:
    page = await service.list_audiences(
        uow, key.workspace_id, kind=kind, limit=limit, cursor=cursor
    )
    return page_out(AudienceRead, page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AudienceRead,
    summary="Define an audience (saved, retargeting or lookalike)",
    responses=IDEMPOTENCY,
)
async def create_audience(
    body: AudienceCreate, uow: UoW, key: EditorKey, response: Response
) -> AudienceRead:
    audience = await service.create(uow, key.workspace_id, body)
    created(response, audience, "/v1/audiences")
    return AudienceRead.model_validate(audience)


@router.get(
    "/{audience_id}", response_model=AudienceRead, summary="Get an audience", responses=NOT_FOUND
)
async def get_audience(
    audience_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response
) -> AudienceRead:
    audience = await service.repo(uow).get(key.workspace_id, audience_id)
    with_etag(response, audience)
    return AudienceRead.model_validate(audience)


@router.patch(
    "/{audience_id}",
    response_model=AudienceRead,
    summary="Update an audience",
    responses={**NOT_FOUND, **PRECONDITION, **BODY},
)
async def update_audience(
    audience_id: uuid.UUID,
    body: AudienceUpdate,
    uow: UoW,
    key: EditorKey,
    version: IfMatch,
    response: Response,
) -> AudienceRead:
    audience = await service.update(uow, key.workspace_id, audience_id, body, version)
    with_etag(response, audience)
    return AudienceRead.model_validate(audience)


@router.delete(
    "/{audience_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an audience",
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_audience(audience_id: uuid.UUID, uow: UoW, key: EditorKey) -> None:
    await service.delete(uow, key.workspace_id, audience_id)
