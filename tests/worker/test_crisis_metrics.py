"""The worker's crisis metrics (OPS-4), whichever of the analysis job or the cron
evaluates: one `smm_crisis_evaluation_seconds` observation per workspace evaluated, and
`smm_alert_actions_total{action}` per alert opened, escalated or resolved."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from prometheus_client import REGISTRY

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.main import evaluate_crises
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.listening import ingest, mention, term

#: One negative mention is a crisis.
TOUCHY = {"min_mentions": 1, "levels": [{"level": "crisis", "negative_share": 0.5}]}
EVALUATIONS = "smm_crisis_evaluation_seconds_count"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def actions() -> dict[str, float]:
    return {a: sample("smm_alert_actions_total", action=a) for a in ("open", "escalate", "resolve")}


async def test_the_analysis_job_counts_the_alerts_it_opens_and_resolves(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await term(tenant, "Éclat")
    policy = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "touchy", **TOUCHY}, headers=tenant.admin
    )
    assert policy.status_code == 201, policy.text
    before, evaluations = actions(), sample(EVALUATIONS)
    await ingest(tenant, resources, settings, [mention("Éclat c'est nul 😡")])
    assert actions() == before | {"open": before["open"] + 1}
    assert sample(EVALUATIONS) == evaluations + 1

    # The cooldown has run out and the window holds a calm mention: the alert resolves.
    async with resources.engine.begin() as conn:
        for table, column in (("mentions", "posted_at"), ("alerts", "last_held_at")):
            await conn.execute(
                sa.text(
                    # In UTC wall time: Citus refuses a STABLE `timestamptz - interval`.
                    f"UPDATE {table} SET {column} = "
                    f"({column} AT TIME ZONE 'UTC' - interval '3 hours') AT TIME ZONE 'UTC' "
                    "WHERE workspace_id = :w"
                ),
                {"w": uuid.UUID(tenant.id)},
            )
    await ingest(tenant, resources, settings, [mention("Éclat commande reçue ce matin")])
    (alert,) = (await tenant.http.get("/v1/alerts", headers=tenant.admin)).json()["items"]
    assert alert["status"] == "resolved"
    assert actions() == before | {"open": before["open"] + 1, "resolve": before["resolve"] + 1}
    assert sample(EVALUATIONS) == evaluations + 2


async def test_the_cron_observes_each_workspace_it_evaluates(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    policy = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "touchy", **TOUCHY}, headers=tenant.admin
    )
    assert policy.status_code == 201, policy.text
    evaluations = sample(EVALUATIONS)
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    evaluated = await evaluate_crises({"app": wc})
    assert evaluated >= 1
    assert sample(EVALUATIONS) == evaluations + evaluated
