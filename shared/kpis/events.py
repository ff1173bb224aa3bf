from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import Field

from shared.metrics.models import Granularity
from shared.outbox.events import Event


class KpiTargetMissed(Event):
    type = "kpi.target_missed"
    description = (
        "A campaign's KPI, over all its snapshots so far, misses the campaign's target. "
        "Sent after a merge, at most once per campaign, KPI and day (workspace time zone)."
    )

    campaign_id: uuid.UUID
    campaign_name: str
    kpi: str = Field(examples=["cpa"])
    target: Decimal = Field(description="As set on the campaign (a decimal string).")
    actual: Decimal | None = Field(
        description="A decimal string; null for a cost target missed with spend and no "
        "result at all."
    )
    day: date
    granularity: Granularity
    level: str
