"""The metrics domain's jobs."""

from __future__ import annotations

import uuid

from shared.jobs.contract import JobArgs


class MergeSnapshots(JobArgs):
    """Merge an accepted batch of snapshots (ING-3) into `metric_snapshots`."""

    NAME = "metrics.merge"

    batch_id: uuid.UUID
