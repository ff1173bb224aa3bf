from __future__ import annotations

from shared.jobs.work import IngestBatchRead
from shared.outbox.events import Event


class IngestCompleted(Event):
    type = "ingest.completed"
    description = (
        "A batch of metric snapshots is merged: its final status with the counts of "
        "snapshots inserted and updated (ING-4)."
    )

    batch: IngestBatchRead
