"""The campaign status machine (section 1) as data."""

from __future__ import annotations

from shared.campaigns.models import CampaignStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.scheduled, S.archived}),
    S.scheduled: frozenset({S.active, S.archived}),
    S.active: frozenset({S.paused, S.completed}),
    S.paused: frozenset({S.active, S.completed, S.archived}),
    S.completed: frozenset({S.archived}),
    S.archived: frozenset(),
}

#: Only drafts and archives may be deleted: a campaign that ran has spend to account for.
DELETABLE = frozenset({S.draft, S.archived})


def allowed(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]
