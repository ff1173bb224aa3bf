"""Health, readiness and metrics (OPS-4): for load balancers and Prometheus."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from services.api.deps import get_resources
from services.api.metrics import (
    ALERTS_OPEN,
    JOBS,
    OUTBOX_LAG,
    OUTBOX_PENDING,
    QUEUE_DEPTH,
    REGISTRY,
    WEBHOOKS_OLDEST,
    WEBHOOKS_OVERDUE,
    WEBHOOKS_WAITING,
)
from services.api.state import Resources
from shared.db.migrate import head_revision

router = APIRouter(tags=["operations"])

Res = Annotated[Resources, Depends(get_resources)]
CHECK_TIMEOUT = 2.0


@router.get("/healthz", summary="Liveness: the process is up")
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
    responses={503: {"description": "A dependency is not ready"}},
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
        rows = await conn.execute(sa.text("SELECT name, status, count(*) FROM jobs GROUP BY 1, 2"))
        for name, status, count in rows:
            JOBS.labels(name, status).set(count)
        pending, lag = (
            await conn.execute(
                sa.text(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0) "
                    "FROM outbox_events WHERE dispatched_at IS NULL"
                )
            )
        ).one()
        OUTBOX_PENDING.set(pending)
        OUTBOX_LAG.set(float(lag))
        waiting, oldest, overdue = (
            await conn.execute(
                sa.text(
                    "SELECT count(*), "
                    "coalesce(extract(epoch FROM now() - min(e.occurred_at)), 0), "
                    "coalesce(extract(epoch FROM now() - min(d.next_attempt_at) "
                    "  FILTER (WHERE d.status = 'pending')), 0) "
                    "FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id "
                    "WHERE d.status IN ('pending', 'sending')"
                )
            )
        ).one()
        WEBHOOKS_WAITING.set(waiting)
        # Undispatched events wait too: the lag is the older of the two.
        WEBHOOKS_OLDEST.set(max(float(oldest), float(lag)))
        WEBHOOKS_OVERDUE.set(max(0.0, float(overdue)))
        ALERTS_OPEN.clear()
        alerts = await conn.execute(
            sa.text("SELECT level, count(*) FROM alerts WHERE status <> 'resolved' GROUP BY 1")
        )
        for level, count in alerts:
            ALERTS_OPEN.labels(level).set(count)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(resources: Res) -> Response:
    with contextlib.suppress(Exception):  # metrics stay served, with the last known gauges
        await asyncio.wait_for(_refresh_gauges(resources), CHECK_TIMEOUT)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
