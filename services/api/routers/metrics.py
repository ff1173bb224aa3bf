"""Metric snapshot ingestion and reading (docs/contract.md, ING-1..ING-5)."""

from __future__ import annotations

import uuid

from fastapi import Query, Request, Response, status

from services.api.deps import (
    Cursor,
    EditorKey,
    Limit,
    UoW,
    ViewerKey,
    bulk_body,
    page_out,
    v1_router,
)
from services.api.problems import IDEMPOTENCY, NOT_FOUND
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.jobs.work import BatchKind, IngestBatchRead, IngestStatus
from shared.metrics import service
from shared.metrics.models import Granularity
from shared.metrics.schemas import SnapshotBatch, SnapshotIn, SnapshotRead
from shared.schemas import PageOut, Timestamp

router = v1_router("/metric-snapshots", "metrics")
batches_router = v1_router("/ingest-batches", "metrics")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestBatchRead,
    summary="Ingest up to 10,000 snapshots (validated all or nothing, merged by the worker)",
    responses=IDEMPOTENCY,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/SnapshotBatch"}}
            },
        }
    },
)
async def ingest_metric_snapshots(
    request: Request, uow: UoW, key: EditorKey, response: Response
) -> IngestBatchRead:
    body = await bulk_body(request, SnapshotBatch, SnapshotIn)
    batch = await service.ingest(uow, key.workspace_id, body, utcnow())
    response.headers["Location"] = f"/v1/ingest-batches/{batch.id}"
    return IngestBatchRead.model_validate(batch)


@router.get("", response_model=PageOut[SnapshotRead], summary="List merged snapshots")
async def list_metric_snapshots(
    uow: UoW,
    key: ViewerKey,
    content_item_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = Query(
        default=None, description="The campaign's own rows and its content items' rows."
    ),
    granularity: Granularity | None = None,
    start: Timestamp | None = Query(default=None, alias="from", description="period_start >="),
    end: Timestamp | None = Query(default=None, alias="to", description="period_start <"),
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[SnapshotRead]:
    page = await service.list_snapshots(
        uow,
        key.workspace_id,
        content_item_id=content_item_id,
        campaign_id=campaign_id,
        granularity=granularity,
        start=start,
        end=end,
        limit=limit,
        cursor=cursor,
    )
    return page_out(SnapshotRead, page)


@batches_router.get(
    "",
    response_model=PageOut[IngestBatchRead],
    summary="List ingest batches, newest first: what is queued, merging, done or failed",
)
async def list_ingest_batches(
    uow: UoW,
    key: ViewerKey,
    status: IngestStatus | None = Query(
        default=None,
        description="The recorded status. A batch whose merge failed for good is recorded "
        "`queued`, and reads as `failed` with the job's error.",
    ),
    kind: BatchKind | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[IngestBatchRead]:
    page = await service.list_batches(uow, key.workspace_id, limit, cursor, status, kind)
    return PageOut(items=list(page.items), next_cursor=page.next_cursor)


@batches_router.get(
    "/{batch_id}",
    response_model=IngestBatchRead,
    summary="Get an ingest batch: status and counts",
    responses=NOT_FOUND,
)
async def get_ingest_batch(batch_id: uuid.UUID, uow: UoW, key: ViewerKey) -> IngestBatchRead:
    return await service.get_batch(uow, key.workspace_id, batch_id)
