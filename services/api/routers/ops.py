"""Health, readiness and metrics (OPS-4): for load balancers and Prometheus."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from services.api.deps import AdminKey, Cursor, Limit, UoW, get_resources, page_out, v1_router
from services.api.metrics import (
    ALERTS_OPEN,
    JOBS,
    OUTBOX_LAG,
    OUTBOX_PENDING,
    QUEUE_DEPTH,
    WEBHOOKS_OLDEST,
    WEBHOOKS_OVERDUE,
    WEBHOOKS_WAITING,
    exposition,
)
from services.api.problems import HEAD_TOO_LARGE
from services.api.state import Resources
from shared.db.migrate import head_revision
from shared.db.pagination import DEFAULT_LIMIT
from shared.jobs.models import JobStatus
from shared.jobs.service import JobRead, list_jobs
from shared.ops import gauges
from shared.schemas import PageOut

router = APIRouter(tags=["operations"])
#: The workspace's recorded jobs, for its admins (the console's operations page).
jobs_router = v1_router("/jobs", "operations")

#: For load balancers and Prometheus, which hold no API key: the document says so
#: (`security: []`) rather than leaving it unsaid.
PUBLIC: dict[str, Any] = {"security": []}

Res = Annotated[Resources, Depends(get_resources)]
CHECK_TIMEOUT = 2.0


@router.get(
    "/healthz",
    summary="Liveness: the process is up",
    responses=HEAD_TOO_LARGE,
    openapi_extra=PUBLIC,
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(resources: Resources) -> tuple[bool, str]:
    async with resources.engine.connect() as conn:
        current = await conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    head = head_revision()
    if current != head:
        return False, f"migrations at {current}, head is {head}"
    return True, f"migrations at head {head}"


async def _redis(resources: Resources) -> tuple[bool, str]:
    await resources.redis.ping()
    return True, "reachable"


async def _check(probe: Any, resources: Resources) -> dict[str, Any]:
    try:
        ok, detail = await asyncio.wait_for(probe(resources), CHECK_TIMEOUT)
    except Exception as exc:
        return {"ok": False, "detail": f"unreachable: {type(exc).__name__}"}
    return {"ok": ok, "detail": detail}


@router.get(
    "/readyz",
    summary="Readiness: PostgreSQL and Redis reachable, migrations at head",
    responses={**HEAD_TOO_LARGE, 503: {"description": "A dependency is not ready"}},
    openapi_extra=PUBLIC,
)
async def readyz(resources: Res) -> JSONResponse:
    postgres, redis = await asyncio.gather(_check(_database, resources), _check(_redis, resources))
    ready = postgres["ok"] and redis["ok"]
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "postgres": postgres, "redis": redis},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )


async def _refresh_gauges(resources: Resources) -> None:
    QUEUE_DEPTH.set(await resources.redis.zcard("arq:queue"))
    async with resources.engine.connect() as conn:
        JOBS.clear()
        for (name, status), count in (await gauges.jobs_by_status(conn)).items():
            JOBS.labels(name, status).set(count)
        outbox = await gauges.outbox_backlog(conn)
        OUTBOX_PENDING.set(outbox.undispatched)
        OUTBOX_LAG.set(outbox.oldest_seconds)
        webhooks = await gauges.webhook_backlog(conn, outbox)
        WEBHOOKS_WAITING.set(webhooks.waiting)
        WEBHOOKS_OLDEST.set(webhooks.oldest_seconds)
        WEBHOOKS_OVERDUE.set(webhooks.overdue_seconds)
        ALERTS_OPEN.clear()
        for level, count in (await gauges.open_alerts(conn)).items():
            ALERTS_OPEN.labels(level).set(count)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=HEAD_TOO_LARGE,
    openapi_extra=PUBLIC,
)
async def metrics(resources: Res) -> Response:
    with contextlib.suppress(Exception):  # metrics stay served, with the last known gauges
        await asyncio.wait_for(_refresh_gauges(resources), CHECK_TIMEOUT)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


@jobs_router.get(
    "",
    response_model=PageOut[JobRead],
    summary="List the workspace's recorded jobs, newest first (admin): what ran and how",
)
async def list_workspace_jobs(
    uow: UoW,
    key: AdminKey,
    status: JobStatus | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[JobRead]:
    return page_out(JobRead, await list_jobs(uow, key.workspace_id, limit, cursor, status))
