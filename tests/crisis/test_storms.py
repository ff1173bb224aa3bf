"""CRI-1..CRI-3 on real posts (issue 14): crisis detection when the product scores
everything itself.

Each stream is made of posts people labelled, from our own held-out split
(`tests/crisis/real_posts.py`): a week of baseline, about 6 posts an hour in the dev
split's own mix of labels, then 60 posts in the last 40 minutes (10x the usual volume).
No mention carries `sentiment` or `language`: the worker detects the language and scores
every post, as it would for a new user's stream. The policy is CRI-1's default (brand
terms, 60-minute window, 7-day baseline, 20 mentions, watch/alert/crisis).

"One evaluation round" is the analysis job's handler run once on the burst's batch: it
scores the batch, then evaluates the workspace's policies (CRI-2), as the worker does.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.crisis.evaluate import CLOCK_SLACK, counts, rules
from shared.crisis.levels import Metrics, level, measure
from shared.crisis.models import EscalationPolicy
from shared.crisis.watch import Scope
from shared.db.base import utcnow
from shared.db.uow import unit_of_work
from shared.listening.models import TermKind, TrackedTerm
from tests.conftest import Tenant
from tests.crisis.real_posts import BRAND, Stream, baseline, burst, chunks, held_out
from tests.helpers.listening import ingest, mentions, term
from tests.helpers.outbox import outbox_events

LANGUAGES = ("fr", "en")

log = logging.getLogger(__name__)


async def default_policy(tenant: Tenant) -> dict[str, Any]:
    created = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "Brand crisis"}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    policy: dict[str, Any] = created.json()
    return policy


async def ingest_all(
    tenant: Tenant, resources: Resources, settings: Settings, stream: Stream
) -> None:
    """Posted in as few requests as the body limit allows, each analysed and evaluated."""
    for rows in chunks(stream.rows, settings.max_body_bytes * 3 // 4):
        batch = await ingest(tenant, resources, settings, rows)
        assert batch["status"] == "succeeded", batch


async def window(resources: Resources, policy: dict[str, Any]) -> tuple[Metrics, str | None]:
    """The policy's window metrics (CRI-2) as of now, counted by the product's own query
    over the brand's mentions, and the level they make current: for the failure message,
    whether or not an alert opened."""
    async with unit_of_work(resources.sessionmaker, None) as uow:
        row = await uow.session.scalar(
            sa.select(EscalationPolicy).where(EscalationPolicy.id == uuid.UUID(policy["id"]))
        )
        assert row is not None
        now = utcnow()
        window_start = now - timedelta(minutes=row.window_minutes)
        scope = Scope(
            workspace_id=row.workspace_id,
            term_ids=list(
                await uow.session.scalars(
                    sa.select(TrackedTerm.id).where(
                        TrackedTerm.workspace_id == row.workspace_id,
                        TrackedTerm.kind == TermKind.brand,
                    )
                )
            ),
            window_start=window_start,
            baseline_start=window_start - timedelta(days=row.baseline_days),
            end=now + CLOCK_SLACK,
        )
        metrics = measure(await counts(uow, row, scope))
        return metrics, level(metrics, rules(row), row.min_mentions)


async def scored(tenant: Tenant, stream: Stream, since: datetime) -> dict[str, Any]:
    """How the product scored the burst against what people said, and the languages it
    detected."""
    found = await mentions(tenant, **{"from": since.isoformat(), "limit": 100})
    assert len(found) == len(stream.rows)
    confusion: dict[str, dict[str, int]] = {}
    languages: dict[str, int] = {}
    for m in found:
        truth = stream.truth[m["external_id"]]
        row = confusion.setdefault(truth, {})
        row[m["sentiment_label"]] = row.get(m["sentiment_label"], 0) + 1
        languages[m["language"]] = languages.get(m["language"], 0) + 1
    return {"people_said -> product_said": confusion, "detected_languages": languages}


def report(what: str, metrics: Metrics, current: str | None, details: dict[str, Any]) -> str:
    return (
        f"{what}: negative_share={metrics.negative_share} volume_ratio={metrics.volume_ratio} "
        f"mention_count={metrics.mention_count} negative_count={metrics.negative_count} "
        f"expected_count={metrics.expected_count} avg_sentiment={metrics.avg_sentiment} "
        f"current level={current}; {details}"
    )


async def alerts_opened(resources: Resources, tenant: Tenant) -> int:
    return len(await outbox_events(resources, tenant.id, "alert.opened"))


async def a_quiet_week(
    tenant: Tenant, resources: Resources, settings: Settings, language: str, seed: int
) -> tuple[dict[str, Any], random.Random, datetime]:
    """The brand, CRI-1's default policy and a week of real posts about the brand, with
    no alert: the stream a burst then lands on."""
    posts = held_out(language)
    await term(tenant, BRAND)
    policy = await default_policy(tenant)
    rng = random.Random(f"{seed}:{language}")
    now = datetime.now(UTC)
    week = baseline(posts, rng, now)
    await ingest_all(tenant, resources, settings, week)
    response = await tenant.http.get("/v1/alerts", headers=tenant.admin)
    assert response.json()["items"] == [], "a quiet week opens no alert"
    return policy, rng, now


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_storm_of_real_negative_posts_opens_an_alert_in_one_round(
    tenant: Tenant, resources: Resources, settings: Settings, language: str
) -> None:
    policy, rng, now = await a_quiet_week(tenant, resources, settings, language, seed=14)
    storm = burst(held_out(language), rng, now, label="negative")
    assert storm.mix()["negative"] == 45
    assert len(storm.rows) == 60

    await ingest_all(tenant, resources, settings, storm)

    response = await tenant.http.get("/v1/alerts", params={"status": "open"}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    opened = response.json()["items"]
    metrics, current = await window(resources, policy)
    details = await scored(tenant, storm, now - timedelta(minutes=41))
    explained = report(f"{language} storm (people: {storm.mix()})", metrics, current, details)
    log.info(explained)
    assert len(opened) == 1, f"no alert opened: {explained}"
    (alert,) = opened
    assert alert["level"] == current, explained
    assert alert["metrics"]["mention_count"] == 60, explained
    assert alert["metrics"]["volume_ratio"] == pytest.approx(10, rel=0.05), explained
    assert await alerts_opened(resources, tenant) == 1


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_happy_spike_of_real_positive_posts_opens_no_alert(
    tenant: Tenant, resources: Resources, settings: Settings, language: str
) -> None:
    policy, rng, now = await a_quiet_week(tenant, resources, settings, language, seed=41)
    spike = burst(held_out(language), rng, now, label="positive")
    assert spike.mix()["positive"] == 45

    await ingest_all(tenant, resources, settings, spike)

    response = await tenant.http.get("/v1/alerts", headers=tenant.admin)
    assert response.status_code == 200, response.text
    metrics, current = await window(resources, policy)
    details = await scored(tenant, spike, now - timedelta(minutes=41))
    explained = report(f"{language} happy spike (people: {spike.mix()})", metrics, current, details)
    log.info(explained)
    assert metrics.mention_count == 60, explained
    assert response.json()["items"] == [], f"an alert opened: {explained}"
    assert await alerts_opened(resources, tenant) == 0, explained
