"""Every event type a webhook endpoint can receive (WH-3), with the schema of its `data`.

Explicit on purpose: an event type is a public contract, added here when its source is
built (alerts, ingestion, segments and attribution add theirs).
"""

from __future__ import annotations

from typing import Any

from shared.attribution.events import AttributionCompleted
from shared.campaigns.events import CampaignStatusChanged
from shared.content.events import ContentItemDue, ContentItemStatusChanged
from shared.crisis.events import AlertEscalated, AlertOpened, AlertResolved
from shared.kpis.events import KpiTargetMissed
from shared.metrics.events import IngestCompleted
from shared.outbox.events import Event
from shared.segments.schemas import SegmentComputed
from shared.social_accounts.events import SocialAccountNeedsReauth
from shared.webhooks.events import WebhookTest

EVENT_TYPES: dict[str, type[Event]] = {
    model.type: model
    for model in (
        AlertOpened,
        AlertEscalated,
        AlertResolved,
        AttributionCompleted,
        CampaignStatusChanged,
        ContentItemStatusChanged,
        ContentItemDue,
        IngestCompleted,
        KpiTargetMissed,
        SegmentComputed,
        SocialAccountNeedsReauth,
        WebhookTest,
    )
}
ALL = "*"


def data_schema(model: type[Event]) -> dict[str, Any]:
    """A self-contained JSON schema (its `$defs` inline), usable by a receiver as is."""
    return model.model_json_schema(mode="serialization")
