"""Events of social accounts (WH-3)."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.outbox.events import Event
from shared.social_accounts.models import Platform


class SocialAccountNeedsReauth(Event):
    type = "social_account.needs_reauth"
    description = (
        "The platform refused the account's token (expired or revoked): pulls stop until an "
        "admin sets new credentials. Send the account's owner through the platform's login."
    )

    account_id: uuid.UUID
    platform: Platform
    handle: str
    reason: str
    detected_at: datetime
