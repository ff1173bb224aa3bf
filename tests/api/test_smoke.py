from __future__ import annotations

import httpx

from tests import factories
from tests.conftest import Tenant


async def test_create_and_read_campaign(tenant: Tenant) -> None:
    created = await factories.campaign(tenant)
    response = await tenant.http.get(f"/v1/campaigns/{created['id']}", headers=tenant.admin)
    assert response.status_code == 200
    assert response.json()["budget"] == "15000.00"
    assert response.headers["etag"] == '"v1"'


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
