"""The rollups answer exactly what the snapshots answer: after inserts, restatements and
nulled counters, for every grouping, filter and window (local days, months, partial
edges), and a rebuild from scratch gives the same rows as the merges' deltas."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.db.uow import unit_of_work
from shared.kpis import rollups
from shared.kpis.models import metric_rollups
from shared.kpis.queries import GroupBy, Scope, SnapshotLevel, grouped_sums
from shared.metrics.models import COUNTERS, Granularity
from shared.social_accounts.models import Platform
from tests import factories
from tests.conftest import Tenant
from tests.helpers.metrics import ingest, merged

START = datetime(2026, 8, 1, tzinfo=UTC)


def measures(rng: random.Random) -> dict[str, Any]:
    """Random counters, each one unreported a third of the time."""
    values: dict[str, Any] = {
        name: rng.randrange(0, 5000) for name in COUNTERS if rng.random() > 0.33
    }
    if rng.random() > 0.33:
        values["spend"] = f"{rng.randrange(0, 100000) / 100:.2f}"
    if rng.random() > 0.33:
        values["conversion_value"] = f"{rng.randrange(0, 300000) / 100:.2f}"
    return values


def random_rows(rng: random.Random, targets: list[Mapping[str, Any]], count: int) -> list[Any]:
    rows = []
    for _ in range(count):
        target = rng.choice(targets)
        key = "campaign_id" if "objective" in target else "content_item_id"
        hourly = rng.random() < 0.3
        moment = START + timedelta(days=rng.randrange(0, 92))
        if hourly:
            moment += timedelta(hours=rng.randrange(0, 24))
        rows.append(
            {
                key: target["id"],
                "period_start": moment.isoformat().replace("+00:00", "Z"),
                "granularity": "hour" if hourly else "day",
                **measures(rng),
            }
        )
    return rows


async def rollup_rows(resources: Resources, workspace_id: str) -> list[tuple[Any, ...]]:
    columns = [c for c in metric_rollups.c if c.name != "id"]
    async with resources.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(*columns)
            .where(
                metric_rollups.c.workspace_id == uuid.UUID(workspace_id),
                metric_rollups.c.snapshots != 0,
            )
            .order_by(*columns[:9])
        )
        return [tuple(row) for row in rows]


async def test_rollups_equal_the_snapshots_they_sum(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    rng = random.Random(20261123)
    instagram = await factories.social_account(tenant)
    tiktok = await factories.social_account(
        tenant, platform="tiktok", handle="@ml", external_id="tt-1"
    )
    spring = await factories.campaign(tenant)
    autumn = await factories.campaign(tenant, name="Autumn")
    items = [
        await factories.content_item(tenant, instagram, campaign_id=spring["id"], paid=True),
        await factories.content_item(tenant, instagram, campaign_id=spring["id"], format="reel"),
        await factories.content_item(
            tenant, tiktok, campaign_id=autumn["id"], format="short_video"
        ),
        await factories.content_item(tenant, tiktok, paid=True),  # no campaign
    ]
    targets: list[Mapping[str, Any]] = [*items, spring, autumn]
    # Three batches over the same keys: inserts, restatements, counters gone null.
    for count in (600, 400, 300):
        response = await ingest(tenant, random_rows(rng, targets, count))
        assert response.status_code == 202, response.text
        assert (await merged(tenant, resources, settings, response.json()))["status"] == (
            "succeeded"
        )

    workspace_id = uuid.UUID(tenant.id)
    windows: list[tuple[datetime | None, datetime | None]] = [(None, None)]
    for _ in range(2):
        low = START + timedelta(hours=rng.randrange(-48, 92 * 24))
        windows.append((low, low + timedelta(hours=rng.randrange(1, 70 * 24))))
    windows += [(START + timedelta(days=31, hours=-1), None), (None, START + timedelta(days=45))]
    scopes = []
    for timezone in ("Europe/Paris", "UTC"):
        for start, end in windows:
            for granularity in Granularity:
                scopes.append(
                    Scope(
                        workspace_id, timezone, start, end, granularity, SnapshotLevel.content_item
                    )
                )
                scopes.append(
                    Scope(workspace_id, timezone, start, end, granularity, SnapshotLevel.campaign)
                )
        scopes.append(
            Scope(workspace_id, timezone, *windows[1], campaign_id=uuid.UUID(spring["id"]))
        )
        scopes.append(
            Scope(workspace_id, timezone, *windows[2], platform=Platform(instagram["platform"]))
        )
        scopes.append(Scope(workspace_id, timezone, *windows[3], paid=True))

    async def compare(scope: Scope) -> None:
        item_groups = {GroupBy.content_item, GroupBy.platform, GroupBy.format_, GroupBy.paid}
        valid = [
            group
            for group in GroupBy
            if group != GroupBy.content_item
            and (scope.level == SnapshotLevel.content_item or group not in item_groups)
        ]
        for group in rng.sample(valid, 3):  # every grouping is drawn over the scopes
            async with unit_of_work(resources.sessionmaker, None) as uow:
                fast = await grouped_sums(uow.session, scope, group)
                slow = await grouped_sums(uow.session, scope, group, rollups=False)
            assert fast == slow, (scope, group)

    # The rollups are bucketed in Paris: the UTC scopes read raw edges everywhere but
    # must agree too once the workspace is re-bucketed in UTC.
    for scope in scopes[: len(scopes) // 2]:
        await compare(scope)
    incremental = await rollup_rows(resources, tenant.id)
    assert incremental
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await rollups.rebuild_workspace(uow.session, workspace_id)
    assert await rollup_rows(resources, tenant.id) == incremental

    moved = await tenant.http.patch("/v1/workspace", json={"timezone": "UTC"}, headers=tenant.admin)
    assert moved.status_code == 200
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await rollups.rebuild_workspace(uow.session, workspace_id)
    for scope in scopes[len(scopes) // 2 :]:
        await compare(scope)
