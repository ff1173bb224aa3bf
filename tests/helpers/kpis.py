"""Loading snapshots as the worker merges them, and reading the KPI endpoints."""

from __future__ import annotations

from typing import Any

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.metrics import ingest, merged


async def load(
    tenant: Tenant, resources: Resources, settings: Settings, rows: list[dict[str, Any]]
) -> None:
    """Ingest `rows` (accepted) and merge them (succeeded)."""
    response = await ingest(tenant, rows)
    assert response.status_code == 202, response.text
    done = await merged(tenant, resources, settings, response.json())
    assert done["status"] == "succeeded", done


async def kpis(tenant: Tenant, path: str = "", **params: Any) -> dict[str, Any]:
    """`GET /v1/kpis{path}`, answered 200."""
    response = await tenant.http.get(f"/v1/kpis{path}", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


#: The field of a row's `group` that names it, by `group_by`.
GROUP_FIELDS = {
    "day": "period_start",
    "week": "period_start",
    "month": "period_start",
    "campaign": "campaign_id",
    "content_item": "content_item_id",
}


async def rows_by_group(tenant: Tenant, group_by: str, **params: Any) -> dict[Any, Any]:
    """`GET /v1/kpis?group_by=`: each row by its group's value."""
    field = GROUP_FIELDS.get(group_by, group_by)
    items = (await kpis(tenant, group_by=group_by, **params))["items"]
    return {item["group"][field]: item for item in items}
