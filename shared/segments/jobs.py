"""The segments domain's jobs."""

from __future__ import annotations

import uuid

from shared.jobs.contract import JobArgs


class RefreshSegment(JobArgs):
    """Recompute a retargeting audience's members (SEG-2)."""

    NAME = "segments.refresh"

    refresh_id: uuid.UUID
