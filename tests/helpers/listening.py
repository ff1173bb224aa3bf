"""Posting mentions through the API and analysing them as the worker does."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.api.state import Resources
from services.worker.jobs.listening import analyse_mentions
from shared.config import Settings
from shared.listening.jobs import AnalyseMentions
from tests.conftest import Tenant
from tests.helpers.jobs import run_batch_job

_ids = itertools.count(1)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def mention(text: str, **fields: Any) -> dict[str, Any]:
    return {
        "platform": "x",
        "external_id": f"m{next(_ids)}",
        "author_handle": "@someone",
        "author_followers": 100,
        "text": text,
        "posted_at": ago(minutes=5),
    } | fields


async def post(tenant: Tenant, rows: list[dict[str, Any]], **headers: str) -> httpx.Response:
    return await tenant.http.post(
        "/v1/mentions", json={"mentions": rows}, headers=tenant.admin | headers
    )


async def analysed(
    tenant: Tenant, resources: Resources, settings: Settings, batch: dict[str, Any]
) -> dict[str, Any]:
    """Runs the analysis job's handler (scoring, then crisis evaluation) in its own unit of
    work, as the worker does."""
    job = AnalyseMentions(batch_id=batch["id"])
    return await run_batch_job(analyse_mentions, job, tenant, resources, settings)


async def ingest(
    tenant: Tenant, resources: Resources, settings: Settings, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    response = await post(tenant, rows)
    assert response.status_code == 202, response.text
    return await analysed(tenant, resources, settings, response.json())


async def mentions(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = await tenant.http.get("/v1/mentions", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def term(tenant: Tenant, term: str, kind: str = "brand", **fields: Any) -> dict[str, Any]:
    response = await tenant.http.post(
        "/v1/tracked-terms", json={"term": term, "kind": kind, **fields}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def item_status(tenant: Tenant, item: Mapping[str, Any]) -> str:
    got = await tenant.http.get(f"/v1/content-items/{item['id']}", headers=tenant.admin)
    status: str = got.json()["status"]
    return status
