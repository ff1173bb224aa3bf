"""The demo's visitors: their journeys as tracked events (EVT-1), the attribution runs
built on them (ATT-1..ATT-3) and the retargeting audiences they fill (SEG-1..SEG-3).

Journeys are drawn so that the models disagree, as they do on real accounts: people
discover the brand on TikTok and Instagram, come back through search and e-mail, and buy
there. First touch credits discovery, last touch credits the closers; the others share.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.attribution import service as attribution
from shared.attribution.schemas import RunCreate
from shared.audiences.models import Audience
from shared.bulk import rows_or_errors
from shared.db.uow import UnitOfWork
from shared.demo.plan import PRODUCTS, Plan, local
from shared.events import service as events
from shared.events.schemas import MAX_EVENTS, EventBatch, EventIn
from shared.segments import service as segments

#: Where journeys start, continue and end (channel, weight).
DISCOVERY = (
    ("instagram", 33),
    ("tiktok", 26),
    ("facebook", 14),
    ("youtube", 7),
    ("linkedin", 8),
    ("search", 7),
    ("referral", 5),
)
MIDDLE = (("instagram", 30), ("facebook", 18), ("email", 24), ("search", 16), ("tiktok", 12))
CLOSING = (("search", 36), ("email", 30), ("instagram", 14), ("direct", 12), ("facebook", 8))
SOCIAL = frozenset({"instagram", "tiktok", "facebook", "youtube", "linkedin"})
FIRST_NAMES = ("camille", "lea", "hugo", "chloe", "louis", "manon", "jules", "ines", "emma", "noah")


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in weighted], weights=[w for _, w in weighted])[0]


def journeys(plan: Plan, seed: int = 33) -> list[dict[str, Any]]:
    """Tracked events as a client posts them (JSON values), all before `plan.now`."""
    rng = random.Random(seed)
    now = plan.now
    published = sorted(plan.published(), key=lambda item: item.at)
    by_platform: dict[str, list[Any]] = {}
    for item in published:
        by_platform.setdefault(item.platform.value, []).append(item)
    out: list[dict[str, Any]] = []
    visitor = 0
    for back in range(plan.days, -1, -1):
        day = plan.today - timedelta(days=back)
        arrivals = int(rng.uniform(36, 48) * (1.25 if day.isoweekday() >= 6 else 1.0))
        for _ in range(arrivals):
            visitor += 1
            out += _journey(rng, f"v{visitor:05d}", local(day, 0), now, by_platform)
    return out


def _journey(
    rng: random.Random,
    visitor: str,
    day_start: datetime,
    now: datetime,
    by_platform: dict[str, list[Any]],
) -> list[dict[str, Any]]:
    heavy = rng.random() < 0.16
    touches = rng.randint(7, 14) if heavy else min(1 + int(rng.expovariate(0.55)), 6)
    gap_days = 0.35 if heavy else 1.6
    at = day_start + timedelta(hours=rng.uniform(7.5, 23.5))
    discovery = _pick(rng, DISCOVERY)
    b2b = discovery == "linkedin"
    rows: list[dict[str, Any]] = []

    def event(kind: str, channel: str, when: datetime, value: Decimal | None = None) -> None:
        row: dict[str, Any] = {
            "event_id": f"{visitor}-{len(rows)}",
            "visitor_id": visitor,
            "type": kind,
            "occurred_at": when.astimezone(UTC).isoformat(),
            "channel": channel,
        }
        if channel in SOCIAL and kind != "purchase":
            seen = [i for i in by_platform.get(channel, ()) if i.at <= when][-3:]
            if seen:
                item = rng.choice(seen)
                row["content_item_id"] = str(item.key)  # replaced by its id when stored
        if value is not None:
            row["value"] = str(value)
        rows.append(row)

    channel = discovery
    for k in range(touches):
        if at >= now:
            return rows
        if k == 0:
            kind = "impression" if channel in SOCIAL else "visit"
        else:
            channel = _pick(rng, MIDDLE) if k < touches - 1 else _pick(rng, CLOSING)
            if b2b and rng.random() < 0.6:
                channel = "linkedin"
            kind = rng.choices(("engagement", "click", "visit"), weights=(3, 3, 4))[0]
        event(kind, channel, at)
        at += timedelta(days=rng.expovariate(1 / gap_days))
    last = rows[-1]["channel"]
    if b2b:
        if rng.random() < 0.13 and at < now:
            event("lead", last, at)
            _contact(rng, rows, visitor, always=True)
        return rows
    buys = rng.random() < min(0.45, 0.03 + 0.035 * touches)
    cart_at = at - timedelta(minutes=rng.uniform(4, 40))
    if buys and at < now:
        _, price = rng.choice(PRODUCTS)
        quantity = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        event("add_to_cart", last, cart_at, price * quantity)
        event("purchase", last, at, price * quantity)
        _contact(rng, rows, visitor, always=rng.random() < 0.9)
    elif rng.random() < 0.42 and cart_at < now:
        _, price = rng.choice(PRODUCTS)
        event("add_to_cart", last, cart_at, price)
        if rng.random() < 0.5:
            _contact(rng, rows, visitor, always=True)
    return rows


def _contact(rng: random.Random, rows: list[dict[str, Any]], visitor: str, always: bool) -> None:
    """The e-mail (and sometimes phone) a checkout or a form collects, with the consent."""
    if not always:
        return
    last = rows[-1]
    last["email"] = f"{rng.choice(FIRST_NAMES)}.{visitor}@exemple.fr"
    if rng.random() < 0.4:
        last["phone"] = f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {visitor[-4:-2]} 00"
    last["consent"] = rng.random() < 0.85


async def ingest(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    rows: list[dict[str, Any]],
    item_ids: dict[str, uuid.UUID],
    campaign_of: dict[str, uuid.UUID | None],
    now: datetime,
) -> int:
    """Through the events service, in batches as a tracker sends them; items named by
    their plan key get their ids and campaigns."""
    for row in rows:
        key = row.pop("content_item_id", None)
        if key is not None:
            row["content_item_id"] = str(item_ids[key])
            campaign = campaign_of[key]
            if campaign is not None:
                row["campaign_id"] = str(campaign)
    stored = 0
    for start in range(0, len(rows), MAX_EVENTS):
        chunk = rows[start : start + MAX_EVENTS]
        body = rows_or_errors(json.dumps({"events": chunk}).encode(), EventBatch, EventIn)
        stored += (await events.ingest(uow, workspace_id, body, now)).inserted
    return stored


async def attribute(uow: UnitOfWork, workspace_id: uuid.UUID, plan: Plan) -> list[uuid.UUID]:
    """Two runs over the whole history, computed at once by the job's own function:
    purchases with every model, and the B2B leads."""
    start = local(plan.today - timedelta(days=plan.days), 0)
    end = plan.now
    runs = []
    for types in (["purchase"], ["lead"]):
        body = RunCreate.model_validate(
            {"from": start, "to": end, "conversion_types": types, "lookback_days": 30}
        )
        run = await attribution.create(uow, workspace_id, body)
        await attribution.compute(uow, workspace_id, run.id, plan.now)
        runs.append(run.id)
    return runs


async def refresh(uow: UnitOfWork, audiences: Sequence[Audience], now: datetime) -> None:
    """Each retargeting audience computed now, as its refresh job computes it."""
    for audience in audiences:
        request = segments.request(uow, audience, "on_demand")
        await uow.session.flush()
        await segments.compute(uow, audience.workspace_id, request.id, now)
