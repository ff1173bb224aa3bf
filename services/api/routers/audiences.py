from __future__ import annotations

import uuid

from fastapi import Request, Response, status
from fastapi.responses import StreamingResponse

from services.api.deps import (
    Cursor,
    EditorKey,
    Ids,
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
from shared.schemas import NoOptions, PageOut
from shared.segments import service as segments
from shared.segments.rules import Tier
from shared.segments.schemas import MemberRead, RefreshRead

router = v1_router("/audiences", "audiences")


@router.get("", response_model=PageOut[AudienceRead], summary="List audiences")
async def list_audiences(
    uow: UoW,
    key: ViewerKey,
    kind: AudienceKind | None = None,
    ids: Ids = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[AudienceRead]:
    page = await service.repo(uow).page(key.workspace_id, limit, cursor, ids=ids, kind=kind)
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


@router.post(
    "/{audience_id}/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RefreshRead,
    summary="Recompute a retargeting audience's members now (by the worker)",
    responses={**NOT_FOUND, **CONFLICT, **IDEMPOTENCY},
)
async def refresh_audience(
    audience_id: uuid.UUID,
    uow: UoW,
    key: EditorKey,
    response: Response,
    body: NoOptions | None = None,
) -> RefreshRead:
    refresh = await segments.refresh_now(uow, key.workspace_id, audience_id)
    response.headers["Location"] = f"/v1/audiences/{audience_id}/refreshes/{refresh.id}"
    return RefreshRead.model_validate(refresh)


@router.get(
    "/{audience_id}/refreshes",
    response_model=PageOut[RefreshRead],
    summary="List a retargeting audience's refreshes, newest first: its size over time",
    responses=NOT_FOUND,
)
async def list_audience_refreshes(
    audience_id: uuid.UUID,
    uow: UoW,
    key: ViewerKey,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[RefreshRead]:
    page = await segments.list_refreshes(uow, key.workspace_id, audience_id, limit, cursor)
    return PageOut(items=list(page.items), next_cursor=page.next_cursor)


@router.get(
    "/{audience_id}/refreshes/{refresh_id}",
    response_model=RefreshRead,
    summary="Get a refresh of a retargeting audience: status, size and the previous size",
    responses=NOT_FOUND,
)
async def get_audience_refresh(
    audience_id: uuid.UUID, refresh_id: uuid.UUID, uow: UoW, key: ViewerKey
) -> RefreshRead:
    return await segments.get_refresh(uow, key.workspace_id, audience_id, refresh_id)


@router.get(
    "/{audience_id}/members",
    response_model=PageOut[MemberRead],
    summary="List a retargeting audience's members (as of its last refresh)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def list_audience_members(
    audience_id: uuid.UUID,
    uow: UoW,
    key: ViewerKey,
    tier: Tier | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[MemberRead]:
    page = await segments.list_members(
        uow, key.workspace_id, audience_id, tier=tier, limit=limit, cursor=cursor
    )
    return page_out(MemberRead, page)


@router.get(
    "/{audience_id}/export",
    summary="CSV for the ad platforms' customer-list upload: hashed email and phone of "
    "consenting members",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        **CONFLICT,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
    },
)
async def export_audience(
    audience_id: uuid.UUID,
    request: Request,
    uow: UoW,
    key: ViewerKey,
    tier: Tier | None = None,
) -> StreamingResponse:
    await segments.retargeting(uow, key.workspace_id, audience_id)
    engine = request.app.state.resources.engine
    return StreamingResponse(
        segments.export_rows(engine, audience_id, tier),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audience-{audience_id}.csv"'},
    )
