from __future__ import annotations

import uuid

from fastapi import Response, status

from services.api.deps import (
    Cursor,
    EditorKey,
    Ids,
    IfMatch,
    Limit,
    Res,
    UoW,
    ViewerKey,
    created,
    json_response,
    page_out,
    v1_router,
    with_etag,
)
from services.api.problems import BODY, CONFLICT, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from shared.campaigns import reads, service
from shared.campaigns.models import CampaignStatus, Objective
from shared.campaigns.schemas import CampaignCreate, CampaignRead, CampaignUpdate
from shared.db.driver import driver_connection
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut, Timestamp
from shared.social_accounts.models import Platform

router = v1_router("/campaigns", "campaigns")


@router.get("", response_model=PageOut[CampaignRead], summary="List campaigns")
async def list_campaigns(
    uow: UoW,
    key: ViewerKey,
    status: CampaignStatus | None = None,
    objective: Objective | None = None,
    platform: Platform | None = None,
    active_on: Timestamp | None = None,
    ids: Ids = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[CampaignRead]:
    page = await service.list_campaigns(
        uow,
        key.workspace_id,
        status=status,
        objective=objective,
        platform=platform,
        active_on=active_on,
        ids=ids,
        limit=limit,
        cursor=cursor,
    )
    return page_out(CampaignRead, page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
    summary="Create a campaign (as a draft)",
    responses=IDEMPOTENCY,
)
async def create_campaign(
    body: CampaignCreate, uow: UoW, key: EditorKey, response: Response
) -> CampaignRead:
    campaign = await service.create(uow, key.workspace_id, body)
    created(response, campaign, "/v1/campaigns")
    return CampaignRead.model_validate(campaign)


@router.get(
    "/{campaign_id}", response_model=CampaignRead, summary="Get a campaign", responses=NOT_FOUND
)
async def get_campaign(campaign_id: uuid.UUID, key: ViewerKey, resources: Res) -> Response:
    # The API's hottest read (PERF-5): one compiled statement on the driver, and the
    # answer serialised to bytes by pydantic-core, not validated again by FastAPI.
    async with driver_connection(resources.engine) as conn:
        campaign, version = await reads.read_campaign(conn, key.workspace_id, campaign_id)
    return json_response(CampaignRead, campaign, etag=f'"v{version}"')


@router.patch(
    "/{campaign_id}",
    response_model=CampaignRead,
    summary="Update a campaign or move its status",
    responses={**NOT_FOUND, **CONFLICT, **PRECONDITION, **BODY},
)
async def update_campaign(
    campaign_id: uuid.UUID,
    body: CampaignUpdate,
    uow: UoW,
    key: EditorKey,
    version: IfMatch,
    response: Response,
) -> CampaignRead:
    campaign = await service.update(uow, key.workspace_id, campaign_id, body, version)
    with_etag(response, campaign)
    return CampaignRead.model_validate(campaign)


@router.delete(
    "/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft or archived campaign",
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_campaign(campaign_id: uuid.UUID, uow: UoW, key: EditorKey) -> None:
    await service.delete(uow, key.workspace_id, campaign_id)
