"""Webhook endpoints, their deliveries, and the event catalogue (docs/contract.md, WH-1..WH-5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from services.api.deps import (
    AdminKey,
    Cursor,
    IfMatch,
    Limit,
    NoStore,
    UoW,
    ViewerKey,
    created,
    get_resources,
    page_out,
    v1_router,
    with_etag,
)
from services.api.problems import BODY, CONFLICT, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from services.api.state import Resources
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PRINTABLE, NoOptions, PageOut
from shared.webhooks import service
from shared.webhooks.catalogue import EVENT_TYPES, data_schema
from shared.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from shared.webhooks.schemas import (
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeRead,
    SecretRotation,
)

router = v1_router("/webhook-endpoints", "webhooks")
deliveries_router = v1_router("/webhook-deliveries", "webhooks")
catalogue_router = v1_router("/webhook-event-types", "webhooks")

Res = Annotated[Resources, Depends(get_resources)]


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
    """The only answers that carry the secret: creation and rotation."""
    return EndpointWithSecret(**EndpointRead.model_validate(endpoint).model_dump(), secret=secret)


def _accepted(response: Response, delivery: WebhookDelivery) -> DeliveryRead:
    response.headers["Location"] = f"/v1/webhook-deliveries/{delivery.id}"
    return DeliveryRead.model_validate(delivery)


@catalogue_router.get(
    "", response_model=PageOut[EventTypeRead], summary="List the event types webhooks carry"
)
async def list_webhook_event_types(key: ViewerKey) -> PageOut[EventTypeRead]:
    return PageOut(
        items=[
            EventTypeRead(type=name, description=model.description, data_schema=data_schema(model))
            for name, model in sorted(EVENT_TYPES.items())
        ],
        next_cursor=None,
    )


@router.get("", response_model=PageOut[EndpointRead], summary="List webhook endpoints")
async def list_webhook_endpoints(
    uow: UoW,
    key: AdminKey,
    enabled: bool | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[EndpointRead]:
    page = await service.endpoints(uow).page(key.workspace_id, limit, cursor, enabled=enabled)
    return page_out(EndpointRead, page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EndpointWithSecret,
    summary="Create a webhook endpoint (its signing secret is shown once)",
    responses=IDEMPOTENCY,
    dependencies=[NoStore],
)
async def create_webhook_endpoint(
    body: EndpointCreate, uow: UoW, key: AdminKey, resources: Res, response: Response
) -> EndpointWithSecret:
    endpoint, secret = await service.create_endpoint(
        uow, key.workspace_id, body, resources.settings
    )
    created(response, endpoint, "/v1/webhook-endpoints")
    return _with_secret(endpoint, secret)


@router.get(
    "/{endpoint_id}",
    response_model=EndpointRead,
    summary="Get a webhook endpoint",
    responses=NOT_FOUND,
)
async def get_webhook_endpoint(
    endpoint_id: uuid.UUID, uow: UoW, key: AdminKey, response: Response
) -> EndpointRead:
    endpoint = await service.endpoints(uow).get(key.workspace_id, endpoint_id)
    with_etag(response, endpoint)
    return EndpointRead.model_validate(endpoint)


@router.patch(
    "/{endpoint_id}",
    response_model=EndpointRead,
    summary="Update, disable or re-enable a webhook endpoint",
    responses={**NOT_FOUND, **PRECONDITION, **BODY},
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    uow: UoW,
    key: AdminKey,
    version: IfMatch,
    resources: Res,
    response: Response,
) -> EndpointRead:
    endpoint = await service.update_endpoint(
        uow, key.workspace_id, endpoint_id, body, version, resources.settings, utcnow()
    )
    with_etag(response, endpoint)
    return EndpointRead.model_validate(endpoint)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook endpoint and its delivery history",
    responses=NOT_FOUND,
)
async def delete_webhook_endpoint(endpoint_id: uuid.UUID, uow: UoW, key: AdminKey) -> None:
    await service.delete_endpoint(uow, key.workspace_id, endpoint_id)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=EndpointWithSecret,
    summary="Rotate the signing secret, the old one signing too during an overlap",
    responses={**NOT_FOUND, **BODY},
    dependencies=[NoStore],
)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID,
    body: SecretRotation,
    uow: UoW,
    key: AdminKey,
    resources: Res,
    response: Response,
) -> EndpointWithSecret:
    endpoint, secret = await service.rotate_secret(
        uow, key.workspace_id, endpoint_id, body, resources.settings, utcnow()
    )
    with_etag(response, endpoint)
    return _with_secret(endpoint, secret)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=PageOut[DeliveryRead],
    summary="List an endpoint's deliveries with every attempt",
    responses=NOT_FOUND,
)
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    uow: UoW,
    key: AdminKey,
    status: DeliveryStatus | None = None,
    event_type: str | None = Query(default=None, max_length=64, pattern=PRINTABLE),
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[DeliveryRead]:
    page = await service.list_deliveries(
        uow,
        key.workspace_id,
        endpoint_id,
        status=status,
        event_type=event_type,
        limit=limit,
        cursor=cursor,
    )
    return page_out(DeliveryRead, page)


@router.post(
    "/{endpoint_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send a `webhook.test` event to this endpoint",
    responses={**NOT_FOUND, **IDEMPOTENCY},
)
async def send_webhook_test_event(
    endpoint_id: uuid.UUID,
    uow: UoW,
    key: AdminKey,
    response: Response,
    body: NoOptions | None = None,
) -> DeliveryRead:
    delivery = await service.send_test(uow, key.workspace_id, endpoint_id, utcnow())
    return _accepted(response, delivery)


@deliveries_router.get(
    "/{delivery_id}",
    response_model=DeliveryRead,
    summary="Get a webhook delivery with every attempt",
    responses=NOT_FOUND,
)
async def get_webhook_delivery(delivery_id: uuid.UUID, uow: UoW, key: AdminKey) -> DeliveryRead:
    delivery = await service.get_delivery(uow, key.workspace_id, delivery_id)
    return DeliveryRead.model_validate(delivery)


@deliveries_router.post(
    "/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Attempt a delivery again now",
    responses={**NOT_FOUND, **CONFLICT, **BODY},
)
async def retry_webhook_delivery(
    delivery_id: uuid.UUID,
    uow: UoW,
    key: AdminKey,
    response: Response,
    body: NoOptions | None = None,
) -> DeliveryRead:
    delivery = await service.retry_delivery(uow, key.workspace_id, delivery_id, utcnow())
    return _accepted(response, delivery)
