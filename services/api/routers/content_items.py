from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

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
from shared.content import service
from shared.content.models import ContentFormat, ContentStatus
from shared.content.schemas import (
    ContentItemCreate,
    ContentItemRead,
    ContentItemUpdate,
    Publication,
)
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut, Timestamp
from shared.social_accounts.models import Platform

router = v1_router("/content-items", "content items")


@router.get(
    "",
    response_model=PageOut[ContentItemRead],
    summary="List content items (the editorial calendar)",
)
async def list_content_items(
    uow: UoW,
    key: ViewerKey,
    campaign_id: uuid.UUID | None = None,
    status: ContentStatus | None = None,
    platform: Platform | None = None,
    format: ContentFormat | None = None,
    scheduled_from: Annotated[Timestamp | None, Query(description="scheduled_at >= this")] = None,
    scheduled_to: Annotated[Timestamp | None, Query(description="scheduled_at < this")] = None,
    ids: Ids = None,
    sort: Annotated[
        service.ItemSort,
        Query(
            description="`created_at` (the default: the order items were created), "
            "`scheduled_at` (the calendar, earliest first) or `-scheduled_at` (latest first). "
            "Ties go by `id`, in the same direction. Items with no `scheduled_at` come last "
            "in both directions. A `cursor` continues only the sort it was made under "
            "(another's is a 422).",
        ),
    ] = "created_at",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[ContentItemRead]:
    page = await service.list_items(
        uow,
        key.workspace_id,
        campaign_id=campaign_id,
        status=status,
        platform=platform,
        fmt=format,
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
        ids=ids,
        limit=limit,
        cursor=cursor,
        sort=sort,
    )
    return page_out(ContentItemRead, page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContentItemRead,
    summary="Create a content item (as a draft)",
    responses=IDEMPOTENCY,
)
async def create_content_item(
    body: ContentItemCreate, uow: UoW, key: EditorKey, response: Response
) -> ContentItemRead:
    item = await service.create(uow, key.workspace_id, body)
    created(response, item, "/v1/content-items")
    return ContentItemRead.model_validate(item)


@router.get(
    "/{item_id}", response_model=ContentItemRead, summary="Get a content item", responses=NOT_FOUND
)
async def get_content_item(
    item_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response
) -> ContentItemRead:
    item = await service.repo(uow).get(key.workspace_id, item_id)
    with_etag(response, item)
    return ContentItemRead.model_validate(item)


@router.patch(
    "/{item_id}",
    response_model=ContentItemRead,
    summary="Edit a content item or move it along the approval workflow",
    responses={**NOT_FOUND, **CONFLICT, **PRECONDITION, **BODY},
)
async def update_content_item(
    item_id: uuid.UUID,
    body: ContentItemUpdate,
    uow: UoW,
    key: EditorKey,
    version: IfMatch,
    response: Response,
) -> ContentItemRead:
    item = await service.update(uow, key.workspace_id, item_id, body, version, utcnow())
    with_etag(response, item)
    return ContentItemRead.model_validate(item)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a content item that was never published",
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_content_item(item_id: uuid.UUID, uow: UoW, key: EditorKey) -> None:
    await service.delete(uow, key.workspace_id, item_id)


@router.post(
    "/{item_id}/publication",
    response_model=ContentItemRead,
    summary="Report that the publishing system posted the item",
    responses={**NOT_FOUND, **CONFLICT, **BODY},
)
async def publish_content_item(
    item_id: uuid.UUID, body: Publication, uow: UoW, key: EditorKey, response: Response
) -> ContentItemRead:
    item = await service.publish(uow, key.workspace_id, item_id, body)
    with_etag(response, item)
    return ContentItemRead.model_validate(item)
