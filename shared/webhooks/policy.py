"""What an attempt's outcome means for its delivery and its endpoint (WH-4), without I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.webhooks.models import DeliveryStatus

#: An endpoint whose every attempt failed for this long is disabled.
DISABLE_AFTER = timedelta(days=5)
GONE = 410


@dataclass(frozen=True)
class Verdict:
    status: DeliveryStatus
    next_attempt_at: datetime | None
    disable_reason: str | None = None


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def judge(
    status_code: int | None,
    *,
    attempt: int,
    one_off: bool,
    schedule: Sequence[float],
    now: datetime,
    failing_since: datetime | None,
) -> Verdict:
    """`attempt` is the number of the attempt just made (1 for the first); `failing_since`
    the endpoint's run of failures before it (None if its last attempt succeeded)."""
    if succeeded(status_code):
        return Verdict(DeliveryStatus.succeeded, None)
    if status_code == GONE:
        return Verdict(
            DeliveryStatus.failed, None, "the receiver answered 410 Gone: it asked to stop"
        )
    since = failing_since or now
    disable = None
    if now - since >= DISABLE_AFTER:
        disable = (
            f"every attempt failed since {since:%Y-%m-%d %H:%M} UTC "
            f"({DISABLE_AFTER.days} days): fix the receiver, then re-enable"
        )
    if one_off or disable or attempt > len(schedule):
        return Verdict(DeliveryStatus.failed, None, disable)
    return Verdict(DeliveryStatus.pending, now + timedelta(seconds=schedule[attempt - 1]))
