"""Typed factories that create resources through the real API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Tenant


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _post(tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await tenant.http.post(path, json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def social_account(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"platform": "instagram", "handle": "@maisonlumiere", "external_id": "1784"} | fields
    return await _post(tenant, "/v1/social-accounts", body)


async def campaign(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Spring launch",
        "objective": "sales",
        "starts_at": in_days(2),
        "ends_at": in_days(30),
        "budget": "15000.00",
        "platforms": ["instagram", "facebook"],
    } | fields
    return await _post(tenant, "/v1/campaigns", body)


async def content_item(
    tenant: Tenant, account: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    account = account or await social_account(tenant)
    body = {
        "social_account_id": account["id"],
        "format": "post",
        "caption": "Spring is here",
    } | fields
    return await _post(tenant, "/v1/content-items", body)


async def audience(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "saved",
        "name": "Paris 25-34",
        "targeting": {"age_min": 25, "age_max": 34, "locations": ["FR"]},
    } | fields
    return await _post(tenant, "/v1/audiences", body)


async def webhook_endpoint(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """An endpoint nobody listens on (port 9 is discard); tests that deliver pass `url`."""
    body = {"url": "http://127.0.0.1:9/hooks", "description": "Publishing system"} | fields
    return await _post(tenant, "/v1/webhook-endpoints", body)


async def published_item(
    tenant: Tenant, account: dict[str, Any] | None, published_at: str, **fields: Any
) -> dict[str, Any]:
    """A content item taken through the workflow to `published` at `published_at`."""
    item = await content_item(tenant, account, scheduled_at=in_days(1), **fields)
    for status in ("in_review", "approved", "scheduled"):
        response = await tenant.http.patch(
            f"/v1/content-items/{item['id']}", json={"status": status}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
    response = await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": f"post-{item['id'][:8]}", "published_at": published_at},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    published: dict[str, Any] = response.json()
    return published
