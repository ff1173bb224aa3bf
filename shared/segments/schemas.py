from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from shared.jobs.work import IngestStatus as RefreshStatus
from shared.outbox.events import Event
from shared.schemas import ReadModel
from shared.segments.rules import Tier


class RefreshRead(ReadModel):
    id: uuid.UUID
    audience_id: uuid.UUID
    status: RefreshStatus
    trigger: str = Field(description="`on_demand` or `schedule`.")
    size: int | None
    previous_size: int | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class MemberRead(ReadModel):
    visitor_id: str
    touches: int = Field(description="Touchpoints in the rule's longest window.")
    tier: Tier | None


class SegmentComputed(Event):
    type = "segment.computed"
    description = (
        "A retargeting audience was recomputed (on demand or on its schedule): its size, "
        "the change since the previous refresh, and its members per tier."
    )

    audience_id: uuid.UUID
    refresh_id: uuid.UUID
    size: int
    previous_size: int | None
    change: int | None
    tier_counts: dict[str, int] | None
    computed_at: datetime
