"""REL-1: a real worker process killed (SIGKILL) in the middle of a merge, then started
again: every row is merged exactly once."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from tests import factories
from tests.conftest import Tenant
from tests.helpers.metrics import row, stored
from tests.helpers.waiting import wait_until
from tests.worker_process import kill, spawn_worker

BATCHES = 4
ROWS = 10_000


async def merge_in_progress(resources: Resources) -> bool:
    async with resources.engine.connect() as conn:
        found = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE state = 'active' AND query LIKE '%INSERT INTO metric_snapshots%' "
                "AND pid <> pg_backend_pid()"
            )
        )
    return bool(found)


async def batch_states(tenant: Tenant, ids: list[str]) -> list[dict[str, Any]]:
    states = []
    for ident in ids:
        got = await tenant.http.get(f"/v1/ingest-batches/{ident}", headers=tenant.admin)
        states.append(got.json())
    return states


async def test_a_worker_killed_mid_merge_merges_every_row_once(
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
    roomy: httpx.AsyncClient,
    worker_processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    item = await factories.content_item(tenant)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = []
    for batch in range(BATCHES):
        # Each batch restates the previous one's second half and adds new hours.
        first_hour = batch * ROWS // 2
        rows = [
            row(
                item,
                granularity="hour",
                period_start=(start + timedelta(hours=first_hour + i)).isoformat(),
                impressions=batch * 1_000_000 + i,
            )
            for i in range(ROWS)
        ]
        response = await roomy.post(
            "/v1/metric-snapshots", json={"snapshots": rows}, headers=tenant.admin
        )
        assert response.status_code == 202, response.text[:300]
        ids.append(response.json()["id"])
    keys = (BATCHES + 1) * ROWS // 2

    log = tmp_path / "worker.log"
    worker_processes.append(spawn_worker(settings, log))
    await wait_until(
        lambda: merge_in_progress(resources), 60, what=lambda: log.read_text()[-2000:], every=0.005
    )
    kill(worker_processes[0])
    killed_during = [state["status"] for state in await batch_states(tenant, ids)]
    assert "queued" in killed_during  # the kill really interrupted the work

    worker_processes.append(spawn_worker(settings, log))
    states: list[dict[str, Any]] = []

    async def all_succeeded() -> bool:
        states[:] = await batch_states(tenant, ids)
        return all(state["status"] == "succeeded" for state in states)

    await wait_until(all_succeeded, 90, what=lambda: (states, log.read_text()[-2000:]), every=0.2)

    assert sum(state["inserted"] for state in states) == keys
    count, total = await stored(resources, tenant)
    async with resources.engine.connect() as conn:
        left = await conn.scalar(
            sa.text("SELECT count(*) FROM ingest_rows WHERE batch_id = ANY(:ids)"),
            {"ids": [uuid.UUID(i) for i in ids]},
        )
    assert count == keys
    assert left == 0
    # Each hour holds the value of the last batch that reported it.
    expected = 0
    for hour in range(keys):
        last_batch = min(hour // (ROWS // 2), BATCHES - 1)
        expected += last_batch * 1_000_000 + hour - last_batch * ROWS // 2
    assert total == expected
