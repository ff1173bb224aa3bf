"""The demo's metric snapshots: what the platforms reported for each published item, day
by day (and hour by hour over the last week), and for each campaign as a whole.

`series` is pure (the plan's profiles turned into counters, with error diffusion so that
small daily counts still add up to the planned rates); `ingest` sends the rows through
the product's own ingestion (validation, staging, the merge and its rollups).
"""

from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from shared.bulk import rows_or_errors
from shared.content.models import ContentFormat
from shared.db.uow import UnitOfWork
from shared.demo.plan import PARIS, ItemPlan, Plan, local
from shared.metrics import service
from shared.metrics.models import AMOUNTS
from shared.metrics.schemas import MAX_ROWS, SnapshotBatch, SnapshotIn
from shared.social_accounts.models import Platform

CENT = Decimal("0.01")
VIDEO = frozenset({ContentFormat.reel, ContentFormat.short_video, ContentFormat.live})
#: How engagements split into likes, comments, shares and saves.
SPLIT = {"likes": 0.74, "comments": 0.08, "shares": 0.07, "saves": 0.11}
#: Share of a day's activity in each local hour: quiet nights, a lunch bump, busy evenings.
DIURNAL = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.8, 0.9, 1.0, 1.1,
    1.35, 1.3, 1.0, 0.95, 1.0, 1.15, 1.45, 1.65, 1.7, 1.5, 1.0, 0.55,
)  # fmt: skip
SOURCES = {
    Platform.instagram: "meta_insights_v23",
    Platform.facebook: "meta_insights_v23",
    Platform.tiktok: "tiktok_business_v1.3",
    Platform.linkedin: "linkedin_marketing_202411",
    Platform.youtube: "youtube_analytics_v2",
}

#: A bucket's counters (None: not reported) and money.
Values = dict[str, int | Decimal | None]


@dataclass(frozen=True)
class Series:
    """An item's snapshots: its daily values by local day, its hourly ones by UTC hour."""

    daily: dict[date, Values]
    hourly: dict[datetime, Values]


class _Diffuser:
    """Counts as integers whose running total follows the exact expected values."""

    def __init__(self) -> None:
        self.carry: dict[str, float] = defaultdict(float)

    def __call__(self, name: str, expected: float) -> int:
        self.carry[name] += expected
        whole = int(self.carry[name])
        self.carry[name] -= whole
        return whole


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _item_days(item: ItemPlan, today: date, rng: random.Random) -> dict[date, Values]:
    profile = item.profile
    assert profile is not None
    published = item.at.astimezone(PARIS)
    first = published.date()
    share_first_day = min(1.0, (24 - published.hour) / 24 + 0.15)
    counts = _Diffuser()
    values: dict[date, Values] = {}
    frequency = rng.uniform(1.3, 1.7) if item.paid else rng.uniform(1.1, 1.4)
    for k in range(profile.life_days):
        day = first + timedelta(days=k)
        if day >= today:
            break
        weight = (profile.decay**k) * (share_first_day if k == 0 else 1.0)
        impressions = counts("impressions", profile.impressions * weight * rng.uniform(0.85, 1.15))

        def rate(base: float) -> float:
            return base * rng.uniform(0.9, 1.1) if profile.noisy_rates else base

        engagements = impressions * rate(profile.engagement_rate)
        clicks = counts("clicks", impressions * rate(profile.ctr))
        conversions = (
            None
            if profile.conversion_rate is None
            else counts("conversions", clicks * rate(profile.conversion_rate))
        )
        day_values: Values = {
            "impressions": impressions,
            "reach": int(impressions / frequency),
            **{name: counts(name, engagements * share) for name, share in SPLIT.items()},
            "clicks": clicks,
            "video_views": counts("views", impressions * 0.42) if item.format in VIDEO else None,
            "conversions": conversions,
            "leads": None
            if profile.lead_rate is None
            else counts("leads", clicks * rate(profile.lead_rate)),
            "spend": None
            if profile.cpm is None
            else _money(Decimal(impressions) * profile.cpm * Decimal(str(rate(1.0))) / 1000),
            "conversion_value": None
            if conversions is None or profile.order_value is None
            else _money(conversions * profile.order_value * Decimal(str(rate(1.0)))),
        }
        values[day] = day_values
    return values


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, largest remainders first: exact sum."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    parts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: parts[i] - shares[i])
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _hours(day: date) -> list[datetime]:
    """The UTC hours of a local day (23 or 25 when the clocks change)."""
    start = local(day, 0).astimezone(UTC)
    end = local(day + timedelta(days=1), 0).astimezone(UTC)
    return [start + timedelta(hours=h) for h in range(int((end - start).total_seconds()) // 3600)]


def _split(values: Values, day: date) -> dict[datetime, Values]:
    """A day's values over its hours, each counter and amount adding up exactly."""
    hours = _hours(day)
    weights = [DIURNAL[h.astimezone(PARIS).hour] for h in hours]
    parts: dict[str, list[int] | None] = {}
    for name, value in values.items():
        if value is None:
            parts[name] = None
        elif isinstance(value, Decimal):
            parts[name] = _apportion(int(value / CENT), weights)
        else:
            parts[name] = _apportion(value, weights)
    result: dict[datetime, Values] = {}
    for i, hour in enumerate(hours):
        bucket: Values = {}
        for name, split in parts.items():
            if split is None:
                bucket[name] = None
            elif name in AMOUNTS:
                bucket[name] = Decimal(split[i]) * CENT
            else:
                bucket[name] = split[i]
        bucket["reach"] = min(int(bucket["reach"] or 0), int(bucket["impressions"] or 0))
        result[hour] = bucket
    return result


def series(plan: Plan, hourly_days: int = 7, seed: int = 90) -> dict[str, Series]:
    """Every published item's snapshots, by the plan's item key."""
    rng = random.Random(seed)
    found: dict[str, Series] = {}
    recent = {plan.today - timedelta(days=d) for d in range(1, hourly_days + 1)}
    for item in plan.published():
        daily = _item_days(item, plan.today, rng)
        hourly: dict[datetime, Values] = {}
        for day in sorted(recent & set(daily)):
            hourly.update(_split(daily[day], day))
        found[item.key] = Series(daily, hourly)
    return found


def _add(total: Values, part: Mapping[str, int | Decimal | None]) -> None:
    for name, value in part.items():
        if value is not None:
            previous = total.get(name)
            total[name] = value if previous is None else previous + value
        else:
            total.setdefault(name, None)


def campaign_series(plan: Plan, found: Mapping[str, Series]) -> dict[str, Series]:
    """Each campaign's own snapshots: what its ad account reports, its items summed."""
    totals: dict[str, Series] = {}
    for item in plan.published():
        if item.campaign is None:
            continue
        total = totals.setdefault(item.campaign, Series({}, {}))
        for day, values in found[item.key].daily.items():
            _add(total.daily.setdefault(day, {}), values)
        for hour, values in found[item.key].hourly.items():
            _add(total.hourly.setdefault(hour, {}), values)
    return totals


def _row(target: dict[str, str], start: datetime, grain: str, values: Values, source: str) -> Any:
    row: dict[str, Any] = {**target, "period_start": start.isoformat(), "granularity": grain}
    for name, value in values.items():
        if value is not None:
            row[name] = str(value) if isinstance(value, Decimal) else value
    row["source"] = source
    return row


def rows(
    plan: Plan,
    found: Mapping[str, Series],
    campaigns: Mapping[str, Series],
    item_ids: Mapping[str, uuid.UUID],
    campaign_ids: Mapping[str, uuid.UUID],
) -> list[Any]:
    """The snapshot rows as a client posts them (JSON values)."""
    out: list[Any] = []
    for item in plan.published():
        target = {"content_item_id": str(item_ids[item.key])}
        source = SOURCES[item.platform]
        s = found[item.key]
        out += [_row(target, local(d, 0), "day", v, source) for d, v in sorted(s.daily.items())]
        out += [_row(target, h, "hour", v, source) for h, v in sorted(s.hourly.items())]
    for key, s in campaigns.items():
        target = {"campaign_id": str(campaign_ids[key])}
        source = "linkedin_marketing_202411" if key == "leads" else "meta_insights_v23"
        out += [_row(target, local(d, 0), "day", v, source) for d, v in sorted(s.daily.items())]
        out += [_row(target, h, "hour", v, source) for h, v in sorted(s.hourly.items())]
    return out


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def ingest(
    uow: UnitOfWork, workspace_id: uuid.UUID, snapshot_rows: Sequence[Any], now: datetime
) -> list[uuid.UUID]:
    """Each batch of up to 10,000 rows validated as the API validates a request body,
    ingested, then merged at once by the merge job's own function (the job, when the
    worker gets to it, finds the batch merged). Returns the batches' ids."""
    batches = []
    for chunk in _chunks(snapshot_rows, MAX_ROWS):
        body = rows_or_errors(json.dumps({"snapshots": chunk}).encode(), SnapshotBatch, SnapshotIn)
        batch = await service.ingest(uow, workspace_id, body, now)
        await service.merge(uow, workspace_id, batch.id, now)
        batches.append(batch.id)
    return batches
