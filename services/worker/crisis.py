"""Crisis evaluation as the worker runs it, counted for Prometheus (OPS-4).

The evaluation cron and the analysis job both evaluate through here, so `shared/crisis`
decides and acts without knowing about metrics: the counts come from the actions it
returns, the time from around the call.
"""

from __future__ import annotations

import time
import uuid

from prometheus_client import Counter, Histogram

from shared.crisis import evaluate
from shared.crisis.levels import Action
from shared.db.uow import UnitOfWork

EVALUATION_SECONDS = Histogram(
    "smm_crisis_evaluation_seconds", "Time to evaluate one workspace's escalation policies"
)
ALERT_ACTIONS = Counter("smm_alert_actions_total", "Alerts opened, escalated, resolved", ["action"])
COUNTED = frozenset({Action.open, Action.escalate, Action.resolve})


async def evaluate_workspace(uow: UnitOfWork, workspace_id: uuid.UUID) -> list[Action]:
    """`shared.crisis.evaluate.evaluate_workspace`, timed, and its alert actions counted."""
    started = time.perf_counter()
    actions = await evaluate.evaluate_workspace(uow, workspace_id)
    EVALUATION_SECONDS.observe(time.perf_counter() - started)
    for action in actions:
        if action in COUNTED:
            ALERT_ACTIONS.labels(action.value).inc()
    return actions
