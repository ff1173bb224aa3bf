"""Ingesting snapshots through the API and merging them as the worker does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from services.worker.jobs.metrics import merge_snapshots
from shared.config import Settings
from shared.metrics.jobs import MergeSnapshots
from tests.conftest import Tenant
from tests.helpers.jobs import run_batch_job

DAY = "2026-11-02T00:00:00Z"


def row(target: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """A snapshot row of a content item or, for a campaign (it has an objective), the campaign."""
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
    job = MergeSnapshots(batch_id=batch["id"])
    return await run_batch_job(merge_snapshots, job, tenant, resources, settings)


async def stored(resources: Resources, tenant: Tenant) -> tuple[int, int]:
    """How many snapshots the tenant has stored, and their impressions' sum."""
    async with resources.engine.connect() as conn:
        count, total = (
            await conn.execute(
                sa.text(
                    "SELECT count(*), sum(impressions) FROM metric_snapshots "
                    "WHERE workspace_id = :w"
                ),
                {"w": uuid.UUID(tenant.id)},
            )
        ).one()
    return int(count), int(total or 0)
