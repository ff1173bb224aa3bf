from __future__ import annotations

from shared.content.models import ContentStatus
from shared.content.schemas import ContentItemRead
from shared.outbox.events import Event


class ContentItemStatusChanged(Event):
    type = "content_item.status_changed"
    description = "A content item moved along the editorial workflow."

    content_item: ContentItemRead
    previous_status: ContentStatus


class ContentItemDue(Event):
    type = "content_item.due"
    description = (
        "A scheduled content item's time has come: the publishing system should post it, "
        "then report it with POST /v1/content-items/{id}/publication. Sent once per item."
    )

    content_item: ContentItemRead
