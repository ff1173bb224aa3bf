"""The attribution domain's jobs."""

from __future__ import annotations

import uuid

from shared.jobs.contract import JobArgs


class RunAttribution(JobArgs):
    """Compute an attribution run's models (ATT-1)."""

    NAME = "attribution.run"

    run_id: uuid.UUID
