from __future__ import annotations

from shared.attribution.schemas import RunSummary
from shared.outbox.events import Event


class AttributionCompleted(Event):
    type = "attribution.completed"
    description = (
        "An attribution run finished: its status and counts; read its results at "
        "GET /v1/attribution-runs/{id} (ATT-3)."
    )

    run: RunSummary
