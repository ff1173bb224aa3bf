"""Typed factories that create resources through the real API. Each returns the resource
as the API answers it (JSON: ids, times and money are strings), typed so that a test
reading a field the resource does not have fails mypy rather than at run time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from tests.conftest import Tenant


class SocialAccount(TypedDict):
    id: str
    platform: str
    handle: str
    external_id: str
    display_name: str | None
    created_at: str
    updated_at: str


class Campaign(TypedDict):
    id: str
    name: str
    objective: str
    status: str
    starts_at: str | None
    ends_at: str | None
    budget: str | None
    currency: str
    platforms: list[str]
    audience_ids: list[str]
    targets: dict[str, Any]
    utm: dict[str, Any]
    created_at: str
    updated_at: str


class ContentItem(TypedDict):
    id: str
    social_account_id: str
    campaign_id: str | None
    platform: str
    format: str
    status: str
    title: str | None
    caption: str | None
    media_urls: list[str]
    link_url: str | None
    cta: str | None
    paid: bool
    production_cost: str | None
    ab_test_group: str | None
    variant: str | None
    scheduled_at: str | None
    published_at: str | None
    external_post_id: str | None
    review_note: str | None
    created_at: str
    updated_at: str


class SavedAudience(TypedDict):
    """The kind `audience()` makes: its targeting is set (a retargeting audience has a rule
    instead, a lookalike a source)."""

    id: str
    name: str
    kind: str
    description: str | None
    platforms: list[str]
    targeting: dict[str, Any]
    size: int | None
    computed_at: str | None
    platform_warnings: list[str]
    created_at: str
    updated_at: str


class WebhookEndpoint(TypedDict):
    """As created: the signing secret is shown this once."""

    id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_at: str | None
    disabled_reason: str | None
    failing_since: str | None
    previous_secret_expires_at: str | None
    secret: str
    created_at: str
    updated_at: str


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _post(tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = await tenant.http.post(path, json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()


async def social_account(tenant: Tenant, **fields: Any) -> SocialAccount:
    body = {"platform": "instagram", "handle": "@maisonlumiere", "external_id": "1784"} | fields
    created: SocialAccount = await _post(tenant, "/v1/social-accounts", body)
    return created


async def campaign(tenant: Tenant, **fields: Any) -> Campaign:
    body = {
        "name": "Spring launch",
        "objective": "sales",
        "starts_at": in_days(2),
        "ends_at": in_days(30),
        "budget": "15000.00",
        "platforms": ["instagram", "facebook"],
    } | fields
    created: Campaign = await _post(tenant, "/v1/campaigns", body)
    return created


async def content_item(
    tenant: Tenant, account: SocialAccount | None = None, **fields: Any
) -> ContentItem:
    account = account or await social_account(tenant)
    body = {
        "social_account_id": account["id"],
        "format": "post",
        "caption": "Spring is here",
    } | fields
    created: ContentItem = await _post(tenant, "/v1/content-items", body)
    return created


async def audience(tenant: Tenant, **fields: Any) -> SavedAudience:
    body = {
        "kind": "saved",
        "name": "Paris 25-34",
        "targeting": {"age_min": 25, "age_max": 34, "locations": ["FR"]},
    } | fields
    created: SavedAudience = await _post(tenant, "/v1/audiences", body)
    return created


async def webhook_endpoint(tenant: Tenant, **fields: Any) -> WebhookEndpoint:
    """An endpoint nobody listens on (port 9 is discard); tests that deliver pass `url`."""
    body = {"url": "http://127.0.0.1:9/hooks", "description": "Publishing system"} | fields
    created: WebhookEndpoint = await _post(tenant, "/v1/webhook-endpoints", body)
    return created


async def scheduled_item(
    tenant: Tenant, account: SocialAccount | None, days: float, **fields: Any
) -> ContentItem:
    """A content item taken through review to `scheduled`, `days` from now."""
    item = await content_item(tenant, account, scheduled_at=in_days(days), **fields)
    for status in ("in_review", "approved", "scheduled"):
        response = await tenant.http.patch(
            f"/v1/content-items/{item['id']}", json={"status": status}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
    return item


async def published_item(
    tenant: Tenant, account: SocialAccount | None, published_at: str, **fields: Any
) -> ContentItem:
    """A content item taken through the workflow to `published` at `published_at`."""
    item = await scheduled_item(tenant, account, 1, **fields)
    response = await tenant.http.post(
        f"/v1/content-items/{item['id']}/publication",
        json={"external_post_id": f"post-{item['id'][:8]}", "published_at": published_at},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    published: ContentItem = response.json()
    return published
