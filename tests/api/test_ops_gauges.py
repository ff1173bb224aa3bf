"""OPS-4: the gauges `/metrics` reads from PostgreSQL at scrape time say what the tables
hold (jobs by name and status, undispatched events, open alerts by level)."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.listening import ingest, mention, term

#: One negative mention is a crisis.
TOUCHY = {"min_mentions": 1, "levels": [{"level": "crisis", "negative_share": 0.5}]}


async def scrape(client: httpx.AsyncClient) -> dict[str, dict[tuple[str, ...], float]]:
    """Each family's samples by their label values."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        family.name: {tuple(s.labels.values()): s.value for s in family.samples}
        for family in text_string_to_metric_families(response.text)
    }


async def test_the_backlog_gauges_say_what_the_tables_hold(
    tenant: Tenant, resources: Resources, settings: Settings, client: httpx.AsyncClient
) -> None:
    await term(tenant, "Éclat")
    policy = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "touchy", **TOUCHY}, headers=tenant.admin
    )
    assert policy.status_code == 201, policy.text
    # One alert resolved by hand, then another open; two analysis jobs left pending (the
    # helper runs their handler, not the recorded job).
    await ingest(tenant, resources, settings, [mention("Éclat c'est nul 😡")])
    (first,) = (await tenant.http.get("/v1/alerts", headers=tenant.admin)).json()["items"]
    resolved = await tenant.http.patch(
        f"/v1/alerts/{first['id']}", json={"status": "resolved"}, headers=tenant.admin
    )
    assert resolved.status_code == 200, resolved.text
    await ingest(tenant, resources, settings, [mention("Éclat encore nul 😡")])

    gauges = await scrape(client)
    async with resources.engine.connect() as conn:
        jobs = await conn.execute(sa.text("SELECT name, status, count(*) FROM jobs GROUP BY 1, 2"))
        alerts = await conn.execute(
            sa.text("SELECT level, count(*) FROM alerts WHERE status <> 'resolved' GROUP BY 1")
        )
        undispatched = await conn.scalar(
            sa.text("SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL")
        )
    assert gauges["smm_jobs"] == {(name, status): float(n) for name, status, n in jobs}
    assert gauges["smm_jobs"][("listening.analyse", "pending")] >= 2
    assert gauges["smm_alerts_open"] == {(level,): float(n) for level, n in alerts}
    assert gauges["smm_alerts_open"][("crisis",)] >= 1
    assert gauges["smm_outbox_undispatched"] == {(): float(undispatched)}
    assert gauges["smm_outbox_oldest_undispatched_seconds"][()] >= 0
