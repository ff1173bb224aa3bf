"""SEC-2: schemathesis generates requests from /openapi.json against a live server: no 5xx,
and every response (errors included) matches what the schema documents."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

from services.api.main import create_app
from shared.config import Settings
from shared.embedded import free_port
from tests.conftest import OPERATOR_TOKEN, offline_app

schema = schemathesis.openapi.from_dict(offline_app().openapi())


@pytest.fixture(scope="module")
def live_api(settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    # The production body limit: a schema-violating batch of 10,001 rows must meet the
    # schema's maxItems (422), not the tests' small body limit (413, which schemathesis
    # does not count as a rejection).
    production_limit = settings.model_copy(update={"max_body_bytes": Settings().max_body_bytes})
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(production_limit),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base_url = f"http://127.0.0.1:{port}"
    created = httpx.post(
        f"{base_url}/v1/workspaces",
        json={"name": "Fuzz"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']['key']}"}
    try:
        yield base_url, headers
    finally:
        server.should_exit = True
        thread.join(15)
        # The fuzz saved endpoints at made-up public addresses (https://0.com/): their
        # deliveries, each waiting out a timeout, would tie up later tests' dispatchers.
        asyncio.run(_drop_workspace(settings, created.json()["workspace"]["id"]))


async def _drop_workspace(settings: Settings, workspace_id: str) -> None:
    conn = await asyncpg.connect(settings.libpq_url)
    try:
        await conn.execute("DELETE FROM workspaces WHERE id = $1", uuid.UUID(workspace_id))
    finally:
        await conn.close()


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_matches_its_schema(
    case: schemathesis.Case[Any], live_api: tuple[str, dict[str, str]]
) -> None:
    base_url, headers = live_api
    # Schema-valid input may still be refused on purpose: opaque cursors, ids of nothing,
    # ends_at before starts_at. Every other check stays on (no 5xx, conformance, ...).
    case.call_and_validate(
        base_url=base_url,
        headers=headers,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
