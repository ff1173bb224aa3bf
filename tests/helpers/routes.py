"""The app's routes, walked by the tests that must cover every route by construction
(route walk, tenant isolation): a new route is in their walk without a new test."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.routing import APIRoute

from tests.conftest import offline_app

#: Routes outside tenancy: the operator's and the probes'.
UNSCOPED = {"/v1/workspaces", "/healthz", "/readyz", "/metrics"}

#: A body that would be valid if the id were A's, so a 404 can only come from scoping.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/v1/social-accounts/{account_id}"): {"handle": "@stolen"},
    ("PUT", "/v1/social-accounts/{account_id}/credentials"): {
        "access_token": "stolen",
        "api_version": "v23.0",
    },
    ("PATCH", "/v1/campaigns/{campaign_id}"): {"name": "stolen"},
    ("PATCH", "/v1/content-items/{item_id}"): {"caption": "stolen"},
    ("PATCH", "/v1/audiences/{audience_id}"): {"name": "stolen"},
    ("PATCH", "/v1/webhook-endpoints/{endpoint_id}"): {"description": "stolen"},
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): {},
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/test"): {},
    ("POST", "/v1/webhook-deliveries/{delivery_id}/retry"): {},
    ("PATCH", "/v1/mentions/{mention_id}"): {"assignee": "stolen"},
    ("PATCH", "/v1/alerts/{alert_id}"): {"status": "acknowledged"},
    ("PATCH", "/v1/escalation-policies/{policy_id}"): {"name": "stolen"},
    ("POST", "/v1/audiences/{audience_id}/refresh"): {},
    ("POST", "/v1/content-items/{item_id}/publication"): {
        "external_post_id": "stolen",
        "published_at": "2026-11-23T10:00:00Z",
    },
}


def routes() -> list[tuple[str, str]]:
    """(method, path) of every route a workspace's key may call."""
    app = offline_app()
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path not in UNSCOPED:
            found += [(method, route.path) for method in sorted(route.methods or ())]
    for router in getattr(app.router, "routes", []):
        original = getattr(router, "original_router", None)
        if original is None:
            continue
        for route in original.routes:
            if isinstance(route, APIRoute) and route.path not in UNSCOPED:
                found += [(method, route.path) for method in sorted(route.methods or ())]
    return sorted(set(found))


def with_unknown_ids(path: str) -> str:
    """Every path parameter is an id: fill each with one nobody has."""
    return re.sub(r"{\w+}", lambda _: str(uuid.uuid4()), path)
