"""The rollups answer exactly what the snapshots answer: after inserts, restatements and
nulled counters, for every grouping, filter and window (local days, months, partial
edges), and a rebuild from scratch gives the same rows as the merges' deltas."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.content.models import ContentItem
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


def random_rows(
    rng: random.Random, targets: list[Mapping[str, Any]], count: int, zone: str
) -> list[Any]:
    """Hours, and days at midnight UTC or, a third of them, at midnight in `zone` (the
    workspace's): across the night Paris's clocks go back (25 October 2026)."""
    rows = []
    for _ in range(count):
        target = rng.choice(targets)
        key = "campaign_id" if "objective" in target else "content_item_id"
        hourly = rng.random() < 0.3
        moment = START + timedelta(days=rng.randrange(0, 92))
        if hourly:
            moment += timedelta(hours=rng.randrange(0, 24))
        elif rng.random() < 0.33:
            moment = datetime.combine(moment.date(), time(), tzinfo=ZoneInfo(zone))
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


async def first_reports(
    resources: Resources, workspace_id: str
) -> dict[uuid.UUID, datetime | None]:
    async with resources.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(ContentItem.id, ContentItem.first_reported_at).where(
                ContentItem.workspace_id == uuid.UUID(workspace_id)
            )
        )
        return dict(rows.all())


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
    workspace_id = uuid.UUID(tenant.id)

    async def load(count: int, zone: str) -> None:
        response = await ingest(tenant, random_rows(rng, targets, count, zone))
        assert response.status_code == 202, response.text
        assert (await merged(tenant, resources, settings, response.json()))["status"] == (
            "succeeded"
        )

    # Three batches over the same keys: inserts, restatements, counters gone null.
    for count in (600, 400, 300):
        await load(count, "Europe/Paris")

    windows: list[tuple[datetime | None, datetime | None]] = [(None, None)]
    for _ in range(2):
        low = START + timedelta(hours=rng.randrange(-48, 92 * 24))
        windows.append((low, low + timedelta(hours=rng.randrange(1, 70 * 24))))
    windows += [(START + timedelta(days=31, hours=-1), None), (None, START + timedelta(days=45))]

    def scopes_in(timezone: str) -> list[Scope]:
        zone = ZoneInfo(timezone)
        local = [  # whole local days and months, with the DST night in them
            (datetime(2026, 8, 10, tzinfo=zone), datetime(2026, 10, 26, tzinfo=zone)),
            (datetime(2026, 10, 25, tzinfo=zone), datetime(2026, 10, 26, tzinfo=zone)),
        ]
        scopes = []
        for start, end in windows + local:
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
        return scopes

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

    async def rebuilt_as_merged() -> None:
        """A rebuild from scratch gives the rows (and first reports) the merges kept."""
        incremental = (
            await rollup_rows(resources, tenant.id),
            await first_reports(resources, tenant.id),
        )
        assert incremental[0]
        async with unit_of_work(resources.sessionmaker, None) as uow:
            await rollups.rebuild_workspace(uow.session, workspace_id)
        assert (
            await rollup_rows(resources, tenant.id),
            await first_reports(resources, tenant.id),
        ) == (incremental)

    async def move_to(timezone: str) -> None:
        moved = await tenant.http.patch(
            "/v1/workspace", json={"timezone": timezone}, headers=tenant.admin
        )
        assert moved.status_code == 200
        async with unit_of_work(resources.sessionmaker, None) as uow:
            await rollups.rebuild_workspace(uow.session, workspace_id)

    for scope in scopes_in("Europe/Paris"):
        await compare(scope)
    await rebuilt_as_merged()
    # Re-bucketed in UTC, the Paris days start at neither midnight: the UTC scopes read
    # raw edges everywhere but must agree too.
    await move_to("UTC")
    for scope in scopes_in("UTC"):
        await compare(scope)
    # In New York, UTC days are placed at the next local midnight; a batch of New York
    # days restates some keys and adds others, its deltas in the new zone.
    await move_to("America/New_York")
    await load(400, "America/New_York")
    for scope in scopes_in("America/New_York"):
        await compare(scope)
    await rebuilt_as_merged()
