from __future__ import annotations

from shared.crisis.schemas import AlertRead
from shared.outbox.events import Event


class AlertOpened(Event):
    type = "alert.opened"
    description = (
        "A crisis level holds for an escalation policy that had no open alert (CRI-3): the "
        "alert with its metrics, sample mentions, explanation and playbook."
    )

    alert: AlertRead


class AlertEscalated(Event):
    type = "alert.escalated"
    description = (
        "An open alert reached a higher level; `alert.escalations` holds every step "
        "with its metrics."
    )

    alert: AlertRead
    previous_level: str


class AlertResolved(Event):
    type = "alert.resolved"
    description = (
        "An alert is resolved: by its cooldown (no level held for `cooldown_minutes`) or "
        "by a person (`alert.resolved_by`). Content it held is released."
    )

    alert: AlertRead
