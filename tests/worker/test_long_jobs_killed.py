"""REL-1 for the long jobs: a real worker process killed (SIGKILL) while an attribution
run and a segment refresh are in flight, then started again: each job is retried and
completes once."""

from __future__ import annotations

import subprocess
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.outbox import outbox_events
from tests.helpers.waiting import wait_until
from tests.locks import waiting_on
from tests.worker_process import kill, spawn_worker

BUYERS, ABANDONERS = 10, 20


def journeys() -> list[dict[str, Any]]:
    """Every visitor clicks an Instagram ad and adds to cart; the first ten buy."""
    now = datetime.now(UTC)
    events = []
    for n in range(BUYERS + ABANDONERS):
        visitor = f"v{n}"
        for kind, days_ago, channel in (("click", 3, "instagram"), ("add_to_cart", 2, "web")):
            events.append(
                {
                    "event_id": f"{visitor}-{kind}",
                    "visitor_id": visitor,
                    "type": kind,
                    "occurred_at": (now - timedelta(days=days_ago)).isoformat(),
                    "channel": channel,
                }
            )
        if n < BUYERS:
            events.append(
                {
                    "event_id": f"{visitor}-purchase",
                    "visitor_id": visitor,
                    "type": "purchase",
                    "occurred_at": (now - timedelta(days=1)).isoformat(),
                    "channel": "web",
                    "value": "25.00",
                }
            )
    return events


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def test_a_run_and_a_refresh_killed_midway_complete_once_after_a_restart(
    tenant: Tenant,
    resources: Resources,
    settings: Settings,
    worker_processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    http, headers = tenant.http, tenant.admin
    tracked = await http.post("/v1/events", json={"events": journeys()}, headers=headers)
    assert tracked.status_code == 200, tracked.text
    created = await http.post(
        "/v1/audiences",
        json={
            "kind": "retargeting",
            "name": "Cart abandoners",
            "rule": {
                "include": [{"event": "add_to_cart", "within_days": 7}],
                "exclude": [{"event": "purchase", "within_days": 7}],
            },
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    audience_id = created.json()["id"]
    window = {
        "from": (datetime.now(UTC) - timedelta(days=10)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    run = await http.post(
        "/v1/attribution-runs", json=window | {"models": ["linear"]}, headers=headers
    )
    refresh = await http.post(f"/v1/audiences/{audience_id}/refresh", headers=headers)
    assert (run.status_code, refresh.status_code) == (202, 202), (run.text, refresh.text)
    run_url, refresh_url = run.headers["Location"], refresh.headers["Location"]

    log = tmp_path / "worker.log"
    async with resources.engine.connect() as holder:
        # Each job locks its recorded row, then its run or its refresh, then the audience:
        # holding the run and the audience stops both midway, their transactions open.
        await holder.execute(
            sa.text(
                "SELECT 1 FROM attribution_runs WHERE workspace_id = :w AND id = :r FOR UPDATE"
            ),
            {"w": uuid.UUID(tenant.id), "r": uuid.UUID(run.json()["id"])},
        )
        await holder.execute(
            sa.text("SELECT 1 FROM audiences WHERE workspace_id = :w AND id = :a FOR UPDATE"),
            {"w": uuid.UUID(tenant.id), "a": uuid.UUID(audience_id)},
        )
        worker_processes.append(spawn_worker(settings, log))

        async def both_in_flight() -> bool:
            return await waiting_on(holder, resources.engine) == 2

        await wait_until(both_in_flight, 60, what=lambda: f"the jobs never started\n{tail(log)}")
        kill(worker_processes[0])
        killed_at = datetime.now(UTC)
        for url in (run_url, refresh_url):
            assert (await http.get(url, headers=headers)).json()["status"] == "queued"
        worker_processes.append(spawn_worker(settings, log))

        async def orphans_gone() -> bool:
            # The killed worker's backends still wait, holding the jobs' rows, with no client
            # left: Postgres notices within client_connection_check_interval and rolls back.
            return await waiting_on(holder, resources.engine, started_before=killed_at) == 0

        await wait_until(
            orphans_gone,
            10,
            what=lambda: f"the killed worker's transactions are still open\n{tail(log)}",
        )
        await holder.rollback()

    async def both_done() -> bool:
        states = [
            (await http.get(url, headers=headers)).json()["status"]
            for url in (run_url, refresh_url)
        ]
        assert "failed" not in states, states
        return states == ["succeeded", "succeeded"]

    await wait_until(
        both_done, 60, what=lambda: f"the jobs did not complete after the restart\n{tail(log)}"
    )

    got_run = (await http.get(run_url, headers=headers)).json()
    assert got_run["conversion_count"] == BUYERS
    linear = {row["key"]: row for row in got_run["results"]["linear"]["channel"]}
    assert Decimal(linear["instagram"]["value"]) == BUYERS * Decimal("25.00")
    got_refresh = (await http.get(refresh_url, headers=headers)).json()
    assert got_refresh["size"] == ABANDONERS
    members = await http.get(f"/v1/audiences/{audience_id}/members", headers=headers)
    assert {m["visitor_id"] for m in members.json()["items"]} == {
        f"v{n}" for n in range(BUYERS, BUYERS + ABANDONERS)
    }

    completed = ("attribution.completed", "segment.computed")
    sent = dict(Counter(e.type for e in await outbox_events(resources, tenant.id, *completed)))
    async with resources.engine.connect() as conn:
        jobs = (
            await conn.execute(
                sa.text(
                    "SELECT j.status, j.attempts FROM jobs j WHERE j.id IN ("
                    "SELECT job_id FROM attribution_runs WHERE id = :r UNION ALL "
                    "SELECT job_id FROM audience_refreshes WHERE id = :f)"
                ),
                {"r": uuid.UUID(run.json()["id"]), "f": uuid.UUID(refresh.json()["id"])},
            )
        ).all()
    assert sent == {"attribution.completed": 1, "segment.computed": 1}
    assert sorted(tuple(job) for job in jobs) == [("done", 1), ("done", 1)]
