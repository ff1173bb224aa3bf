"""Attribution runs (docs/contract.md, ATT-1..ATT-3)."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from services.api.deps import Cursor, EditorKey, Limit, UoW, ViewerKey, page_out, v1_router
from services.api.problems import IDEMPOTENCY, NOT_FOUND
from shared.attribution import service
from shared.attribution.schemas import RunCreate, RunRead
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut

router = v1_router("/attribution-runs", "attribution")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunRead,
    summary="Attribute the conversions of a period with every model (computed by the worker)",
    responses=IDEMPOTENCY,
)
async def create_attribution_run(
    body: RunCreate, uow: UoW, key: EditorKey, response: Response
) -> RunRead:
    run = await service.create(uow, key.workspace_id, body)
    response.headers["Location"] = f"/v1/attribution-runs/{run.id}"
    return RunRead.model_validate(run)


@router.get("", response_model=PageOut[RunRead], summary="List attribution runs")
async def list_attribution_runs(
    uow: UoW, key: ViewerKey, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> PageOut[RunRead]:
    page = await service.list_runs(uow, key.workspace_id, limit=limit, cursor=cursor)
    return page_out(RunRead, page)


@router.get(
    "/{run_id}",
    response_model=RunRead,
    summary="Get an attribution run: status, then results per model and dimension",
    responses=NOT_FOUND,
)
async def get_attribution_run(run_id: uuid.UUID, uow: UoW, key: ViewerKey) -> RunRead:
    return await service.get(uow, key.workspace_id, run_id)
