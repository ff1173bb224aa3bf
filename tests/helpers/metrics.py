"""Ingesting snapshots through the API and merging them as the worker does."""

from __future__ import annotations

from typing import Any

import httpx

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs.metrics import merge_snapshots
from shared.config import Settings
from shared.db.uow import unit_of_work
from tests.conftest import Tenant

DAY = "2026-11-02T00:00:00Z"


def row(target: dict[str, Any], **fields: Any) -> dict[str, Any]:
    key = "campaign_id" if "objective" in target else "content_item_id"
    return {key: target["id"], "period_start": DAY, "granularity": "day"} | fields


async def ingest(tenant: Tenant, rows: list[dict[str, Any]], **headers: str) -> httpx.Response:
    return await tenant.http.post(
        "/v1/metric-snapshots", json={"snapshots": rows}, headers=tenant.admin | headers
    )


async def merged(
    tenant: Tenant, resources: Resources, settings: Settings, batch: dict[str, Any]
) -> dict[str, Any]:
    """Runs the merge job's handler in its own unit of work, as the worker does."""
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await merge_snapshots(uow, wc, workspace_id=tenant.id, batch_id=batch["id"])
    got = await tenant.http.get(f"/v1/ingest-batches/{batch['id']}", headers=tenant.admin)
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result
