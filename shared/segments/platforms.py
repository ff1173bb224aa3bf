"""SEG-5: what the ad platforms will refuse, said before the upload."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from shared.events.models import EventType
from shared.social_accounts.models import Platform

if TYPE_CHECKING:  # the rule's schema imports these checks
    from shared.audiences.schemas import SegmentRule

META = frozenset({Platform.facebook, Platform.instagram})
#: Meta's custom audience retention, by source: website events, engagement, lead forms.
META_RETENTION = {
    EventType.visit: 180,
    EventType.click: 180,
    EventType.add_to_cart: 180,
    EventType.purchase: 180,
    EventType.impression: 365,
    EventType.engagement: 365,
    EventType.lead: 90,
}
#: Smallest matched audience each platform serves.
MINIMUM_SIZE = {"meta": 100, Platform.linkedin: 300, Platform.tiktok: 1_000}
META_LOOKALIKE = (Decimal("0.01"), Decimal("0.20"))


def retargeting_warnings(
    rule: SegmentRule, platforms: list[Platform], size: int | None
) -> list[str]:
    warnings = []
    targets = set(platforms)
    if targets & META:
        for condition in (*rule.include, *rule.exclude):
            limit = META_RETENTION[condition.event]
            if condition.within_days > limit:
                warnings.append(
                    f"meta: {condition.event} audiences keep at most {limit} days, "
                    f"not {condition.within_days}"
                )
    if size is not None:
        checks = [("meta", MINIMUM_SIZE["meta"])] if targets & META else []
        checks += [
            (str(platform), MINIMUM_SIZE[platform])
            for platform in (Platform.linkedin, Platform.tiktok)
            if platform in targets
        ]
        warnings += [
            f"{name}: {size} members, under the {least:,} the platform needs to serve ads"
            for name, least in checks
            if size < least
        ]
    return warnings


def lookalike_warnings(ratio: Decimal, platforms: list[Platform]) -> list[str]:
    low, high = META_LOOKALIKE
    if set(platforms) & META and not low <= ratio <= high:
        return [f"meta: lookalike ratio {ratio} outside {low}-{high}"]
    return []
