"""Escalation policies and alerts (docs/contract.md, CRI-1..CRI-4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from services.api.deps import (
    AdminKey,
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
from shared.crisis import service
from shared.crisis.levels import LEVEL_NAME
from shared.crisis.models import AlertStatus
from shared.crisis.schemas import AlertRead, AlertUpdate, PolicyCreate, PolicyRead, PolicyUpdate
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.schemas import PageOut

policies_router = v1_router("/escalation-policies", "crisis")
alerts_router = v1_router("/alerts", "crisis")


@policies_router.get("", response_model=PageOut[PolicyRead], summary="List escalation policies")
async def list_escalation_policies(
    uow: UoW, key: ViewerKey, ids: Ids = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> PageOut[PolicyRead]:
    page = await service.policies(uow).page(key.workspace_id, limit, cursor, ids=ids)
    return page_out(PolicyRead, page)


@policies_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyRead,
    summary="Create an escalation policy (default levels watch, alert, crisis)",
    responses=IDEMPOTENCY,
)
async def create_escalation_policy(
    body: PolicyCreate, uow: UoW, key: AdminKey, response: Response
) -> PolicyRead:
    policy = await service.create_policy(uow, key.workspace_id, body)
    created(response, policy, "/v1/escalation-policies")
    return PolicyRead.model_validate(policy)


@policies_router.get(
    "/{policy_id}",
    response_model=PolicyRead,
    summary="Get an escalation policy",
    responses=NOT_FOUND,
)
async def get_escalation_policy(
    policy_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response
) -> PolicyRead:
    policy = await service.policies(uow).get(key.workspace_id, policy_id)
    with_etag(response, policy)
    return PolicyRead.model_validate(policy)


@policies_router.patch(
    "/{policy_id}",
    response_model=PolicyRead,
    summary="Update an escalation policy (applies from the next evaluation)",
    responses={**NOT_FOUND, **PRECONDITION, **BODY, **CONFLICT},
)
async def update_escalation_policy(
    policy_id: uuid.UUID,
    body: PolicyUpdate,
    uow: UoW,
    key: AdminKey,
    version: IfMatch,
    response: Response,
) -> PolicyRead:
    policy = await service.update_policy(uow, key.workspace_id, policy_id, body, version)
    with_etag(response, policy)
    return PolicyRead.model_validate(policy)


@policies_router.delete(
    "/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an escalation policy (refused while its alert is unresolved)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_escalation_policy(policy_id: uuid.UUID, uow: UoW, key: AdminKey) -> None:
    await service.delete_policy(uow, key.workspace_id, policy_id)


@alerts_router.get("", response_model=PageOut[AlertRead], summary="List alerts")
async def list_alerts(
    uow: UoW,
    key: ViewerKey,
    status: AlertStatus | None = None,
    level: str | None = Query(default=None, max_length=40, pattern=LEVEL_NAME),
    policy_id: uuid.UUID | None = None,
    sort: Annotated[
        service.AlertSort,
        Query(
            description="`created_at` (the default: the order alerts were recorded), "
            "`opened_at` (oldest first) or `-opened_at` (newest first). Ties go by `id`, in "
            "the same direction. A `cursor` continues only the sort it was made under "
            "(another's is a 422).",
        ),
    ] = "created_at",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[AlertRead]:
    page = await service.alerts(uow).page(
        key.workspace_id,
        limit,
        cursor,
        sort=sort,
        status=status,
        level=level,
        policy_id=policy_id,
    )
    return page_out(AlertRead, page)


@alerts_router.get(
    "/{alert_id}",
    response_model=AlertRead,
    summary="Get an alert: metrics, escalations, explanation, playbook",
    responses=NOT_FOUND,
)
async def get_alert(alert_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response) -> AlertRead:
    alert = await service.alerts(uow).get(key.workspace_id, alert_id)
    with_etag(response, alert)
    return AlertRead.model_validate(alert)


@alerts_router.patch(
    "/{alert_id}",
    response_model=AlertRead,
    summary="Acknowledge or resolve an alert, tick playbook steps, write the postmortem",
    responses={**NOT_FOUND, **PRECONDITION, **BODY, **CONFLICT},
)
async def update_alert(
    alert_id: uuid.UUID,
    body: AlertUpdate,
    uow: UoW,
    key: EditorKey,
    version: IfMatch,
    response: Response,
) -> AlertRead:
    alert = await service.update_alert(uow, key.workspace_id, alert_id, body, version, utcnow())
    with_etag(response, alert)
    return AlertRead.model_validate(alert)
