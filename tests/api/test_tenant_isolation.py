"""SEC-1: every route, called with workspace A's admin key on workspace B's objects, is
404 (or an empty list): B's ids never appear. A new route without a case here fails."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers import listening
from tests.helpers.metrics import merged
from tests.helpers.routes import BODIES, routes

#: Lists that are not empty for a new workspace: its own first key, the event catalogue.
GLOBAL_LISTS = {"/v1/api-keys", "/v1/webhook-event-types"}
#: Reads that are not lists: the caller's own workspace, and reports over no data.
SINGLE_OBJECTS = {
    "/v1/workspace",
    "/v1/api-key",
    "/v1/kpis/funnel",
    "/v1/kpis/best-times",
    "/v1/kpis/share-of-voice",
    "/v1/kpis/responsiveness",
    "/v1/metric-registry",
}


async def victim_objects(b: Tenant) -> dict[str, str]:
    account = await factories.social_account(b, platform="instagram", external_id="victim")
    campaign = await factories.campaign(b)
    item = await factories.content_item(
        b,
        account,
        campaign_id=campaign["id"],
        scheduled_at=factories.in_days(2),
        ab_test_group="victim-test",
        variant="A",
    )
    for status in ("in_review", "approved", "scheduled"):
        await b.http.patch(
            f"/v1/content-items/{item['id']}", json={"status": status}, headers=b.admin
        )
    audience = await factories.audience(b)
    keys = (await b.http.get("/v1/api-keys", headers=b.admin)).json()["items"]
    endpoint = await factories.webhook_endpoint(b)
    delivery = await b.http.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=b.admin)
    assert delivery.status_code == 202, delivery.text
    batch = await b.http.post(
        "/v1/metric-snapshots",
        json={
            "snapshots": [
                {
                    "content_item_id": item["id"],
                    "period_start": "2026-11-01T00:00:00Z",
                    "granularity": "day",
                    "impressions": 10,
                }
            ]
        },
        headers=b.admin,
    )
    assert batch.status_code == 202, batch.text
    tracked = await b.http.post(
        "/v1/tracked-terms", json={"term": "Victime", "kind": "brand"}, headers=b.admin
    )
    policy = await b.http.post(
        "/v1/escalation-policies",
        json={
            "name": "victim",
            "min_mentions": 1,
            "levels": [{"level": "watch", "negative_share": 0}],
        },
        headers=b.admin,
    )
    assert policy.status_code == 201, policy.text
    mentions = await b.http.post(
        "/v1/mentions",
        json={"mentions": [listening.mention("Victime, service nul 😡")]},
        headers=b.admin,
    )
    assert mentions.status_code == 202, mentions.text
    run = await b.http.post(
        "/v1/attribution-runs",
        json={"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        headers=b.admin,
    )
    assert run.status_code == 202, run.text
    segment = await b.http.post(
        "/v1/audiences",
        json={
            "kind": "retargeting",
            "name": "victim segment",
            "rule": {"include": [{"event": "add_to_cart", "within_days": 7}]},
        },
        headers=b.admin,
    )
    assert segment.status_code == 201, segment.text
    refresh = await b.http.post(f"/v1/audiences/{segment.json()['id']}/refresh", headers=b.admin)
    assert refresh.status_code == 202, refresh.text
    return {
        "refresh_id": refresh.json()["id"],
        "run_id": run.json()["id"],
        "mention_batch": mentions.json()["id"],
        "term_id": tracked.json()["id"],
        "policy_id": policy.json()["id"],
        "batch_id": batch.json()["id"],
        "endpoint_id": endpoint["id"],
        "delivery_id": delivery.json()["id"],
        "account_id": account["id"],
        "campaign_id": campaign["id"],
        "item_id": item["id"],
        "audience_id": audience["id"],
        "key_id": keys[0]["id"],
        "group": "victim-test",
    }


def test_every_scoped_route_has_a_case() -> None:
    parametrized = [path for _, path in routes() if "{" in path]
    params = {p for path in parametrized for p in re.findall(r"{(\w+)}", path)}
    assert params <= {
        "account_id",
        "campaign_id",
        "item_id",
        "audience_id",
        "key_id",
        "endpoint_id",
        "delivery_id",
        "batch_id",
        "group",
        "term_id",
        "mention_id",
        "policy_id",
        "alert_id",
        "run_id",
        "refresh_id",
    }, "a new path parameter: teach victim_objects() to create one in workspace B"


async def test_workspace_a_never_sees_workspace_b(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    a, b = await make_tenant("Brand A"), await make_tenant("Brand B")
    ids = await victim_objects(b)
    # B's snapshots merged: its rollups and KPIs have data that A must never read.
    done = await merged(b, resources, settings, {"id": ids["batch_id"]})
    assert done["status"] == "succeeded"
    # B's mentions analysed and evaluated: B has a mention and an open alert.
    await listening.analysed(b, resources, settings, {"id": ids.pop("mention_batch")})
    (mention,) = (await b.http.get("/v1/mentions", headers=b.admin)).json()["items"]
    (alert,) = (await b.http.get("/v1/alerts", headers=b.admin)).json()["items"]
    ids |= {"mention_id": mention["id"], "alert_id": alert["id"]}
    checked = 0
    for method, path in routes():
        url = path.format(**ids)
        response = await a.http.request(
            method, url, json=BODIES.get((method, path)), headers=a.admin
        )
        if "{" in path:
            assert response.status_code == 404, (method, path, response.text)
            checked += 1
        elif method == "GET":
            assert response.status_code == 200, (method, path, response.text)
            if path not in SINGLE_OBJECTS:
                assert response.json()["items"] == [] or path in GLOBAL_LISTS, path
        for ident in ids.values():
            # Only the id the caller sent may come back (in "... does not exist").
            assert ident in url or ident not in response.text, (method, path)
    assert checked >= 23  # the walk found the routes (guards the discovery itself)
    # B's ids as filters of A's reports: nothing of B's comes back.
    for path in ("/v1/kpis", "/v1/kpis/budget", "/v1/kpis/content-matrix"):
        for name in ("campaign_id", "platform"):
            value = ids["campaign_id"] if name == "campaign_id" else "instagram"
            response = await a.http.get(path, params={name: value}, headers=a.admin)
            assert response.json()["items"] == [], (path, name)
    # A's listening reports count nothing of B's.
    voice = (await a.http.get("/v1/kpis/share-of-voice", headers=a.admin)).json()
    assert (voice["terms"], voice["brand"]["mentions"]) == ([], 0)
    answered = (await a.http.get("/v1/kpis/responsiveness", headers=a.admin)).json()
    assert answered["needing_response"] == 0
    # B's objects are untouched.
    item = await b.http.get(f"/v1/content-items/{ids['item_id']}", headers=b.admin)
    assert (item.json()["status"], item.json()["caption"]) == ("scheduled", "Spring is here")
    assert (await b.http.get("/v1/api-keys", headers=b.admin)).json()["items"][0][
        "revoked_at"
    ] is None
    assert (await b.http.get(f"/v1/alerts/{ids['alert_id']}", headers=b.admin)).json()[
        "status"
    ] == "open"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/content-items", {"format": "post", "social_account_id": "{account_id}"}),
        (
            "/v1/content-items",
            {
                "format": "post",
                "social_account_id": "{own_account}",
                "campaign_id": "{campaign_id}",
            },
        ),
        (
            "/v1/events",
            {
                "events": [
                    {
                        "event_id": "e1",
                        "visitor_id": "v1",
                        "type": "click",
                        "occurred_at": "2026-11-01T10:00:00Z",
                        "channel": "instagram",
                        "campaign_id": "{campaign_id}",
                    }
                ]
            },
        ),
        ("/v1/campaigns", {"name": "x", "objective": "sales", "audience_ids": ["{audience_id}"]}),
        (
            "/v1/platform-reports",
            {
                "platform": "instagram",
                "object_type": "media",
                "api_version": "v23.0",
                "content_item_id": "{item_id}",
                "payload": {"data": [{"name": "views", "values": [{"value": 3}]}]},
            },
        ),
        (
            "/v1/audiences",
            {
                "kind": "lookalike",
                "name": "x",
                "source_audience_id": "{audience_id}",
                "country": "FR",
                "ratio": "0.01",
            },
        ),
        (
            "/v1/audiences",
            {
                "kind": "retargeting",
                "name": "x",
                "rule": {
                    "include": [
                        {"event": "click", "within_days": 7, "campaign_id": "{campaign_id}"}
                    ]
                },
            },
        ),
    ],
)
async def test_foreign_ids_in_bodies_are_unknown(
    make_tenant: TenantFactory, path: str, body: dict[str, Any]
) -> None:
    a, b = await make_tenant("Brand A"), await make_tenant("Brand B")
    ids = await victim_objects(b)
    ids["own_account"] = (await factories.social_account(a))["id"]
    rendered = httpx.Request("POST", "http://x", json=body).content.decode()
    for name, ident in ids.items():
        rendered = rendered.replace("{" + name + "}", ident)
    response = await a.http.post(
        path, content=rendered, headers={**a.admin, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "does not exist" in response.text
