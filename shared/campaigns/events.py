from __future__ import annotations

from shared.campaigns.models import CampaignStatus
from shared.campaigns.schemas import CampaignRead
from shared.outbox.events import Event


class CampaignStatusChanged(Event):
    type = "campaign.status_changed"
    description = "A campaign moved along its status machine (by a user or by its dates)."

    campaign: CampaignRead
    previous_status: CampaignStatus
