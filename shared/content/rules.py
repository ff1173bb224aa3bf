"""The editorial workflow (section 1) and what each platform can carry, as data."""

from __future__ import annotations

from shared.content.models import ContentFormat as F
from shared.content.models import ContentStatus as S
from shared.social_accounts.models import Platform as P

TRANSITIONS: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.in_review}),
    S.in_review: frozenset({S.approved, S.rejected}),
    S.rejected: frozenset({S.draft}),
    S.approved: frozenset({S.scheduled}),
    S.scheduled: frozenset({S.approved, S.publishing, S.on_hold}),
    S.on_hold: frozenset({S.scheduled, S.approved}),
    S.publishing: frozenset({S.published}),
    S.published: frozenset({S.archived}),
    S.archived: frozenset(),
}

#: Moves only the platform makes: the crisis freeze (CRI-4), the due cron, the publication
#: callback. A client asking for them by PATCH gets 409.
SYSTEM_ONLY = frozenset({S.on_hold, S.publishing, S.published})

#: Once handed to publishing, a post is what the platform shows: no more edits.
FROZEN = frozenset({S.publishing, S.published, S.archived})

#: Approved work that is edited goes back to review: approval covers what was approved.
NEEDS_REAPPROVAL = frozenset({S.approved, S.scheduled, S.on_hold})
CREATIVE_FIELDS = frozenset({"title", "caption", "media_urls", "link_url", "cta", "format"})

NOT_DELETABLE = frozenset({S.publishing, S.published})

#: Formats that exist on only some platforms (stories left LinkedIn, X and YouTube; reels
#: are Meta's). Everything else is accepted everywhere.
FORMAT_PLATFORMS: dict[F, frozenset[P]] = {
    F.story: frozenset({P.facebook, P.instagram, P.tiktok}),
    F.reel: frozenset({P.facebook, P.instagram}),
    F.article: frozenset({P.linkedin, P.facebook}),
}


def allowed(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def format_fits(fmt: F, platform: P) -> bool:
    return platform in FORMAT_PLATFORMS.get(fmt, frozenset(P))
