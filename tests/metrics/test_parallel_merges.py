"""Merges of one workspace run side by side when they write different buckets, and wait
for each other when they share one (PERF-1): either way every row lands once, a later
batch wins (ING-3), and the rollups still add up to the snapshots."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from services.api.state import Resources
from shared.db import partitions
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork, unit_of_work
from shared.kpis import rollups
from shared.metrics import service
from tests import factories
from tests.conftest import Tenant
from tests.helpers.metrics import ingest, row, stored
from tests.kpis.test_rollups import rollup_rows

JANUARY = datetime(2026, 1, 5, tzinfo=UTC)
MARCH = datetime(2026, 3, 5, tzinfo=UTC)


def hours(item: Mapping[str, Any], start: datetime, count: int, value: int) -> list[dict[str, Any]]:
    return [
        row(
            item,
            granularity="hour",
            period_start=(start + timedelta(hours=h)).isoformat(),
            impressions=value + h,
        )
        for h in range(count)
    ]


async def accepted(tenant: Tenant, rows: list[dict[str, Any]]) -> uuid.UUID:
    response = await ingest(tenant, rows)
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


@asynccontextmanager
async def open_merge(
    resources: Resources, tenant: Tenant, batch: uuid.UUID
) -> AsyncIterator[UnitOfWork]:
    """A merge done but not committed (its locks held) until the block ends."""
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await service.merge(uow, uuid.UUID(tenant.id), batch, utcnow())
        yield uow


async def merge(resources: Resources, tenant: Tenant, batch: uuid.UUID) -> None:
    async with open_merge(resources, tenant, batch):
        pass


async def rollups_match_a_rebuild(resources: Resources, tenant: Tenant) -> None:
    kept = await rollup_rows(resources, tenant.id)
    assert kept
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await rollups.rebuild_workspace(uow.session, uuid.UUID(tenant.id))
    assert await rollup_rows(resources, tenant.id) == kept


async def test_merges_of_other_buckets_run_beside_an_open_merge(
    tenant: Tenant, resources: Resources
) -> None:
    # A merge that makes a month's partition holds the partition lock until it commits
    # (`partitions.ensure`): the months are made beforehand, as the daily cron does.
    async with unit_of_work(resources.sessionmaker, None) as uow:
        await partitions.ensure(uow.session, "metric_snapshots", [JANUARY, MARCH])
    item = await factories.content_item(tenant)
    # The item reported before: a merge that moves an item's first report holds its row
    # until it commits (`kpis.booking`), as any writer of the row does.
    await merge(resources, tenant, await accepted(tenant, hours(item, JANUARY, 1, 0)))
    january = await accepted(tenant, hours(item, JANUARY + timedelta(hours=1), 50, 1000))
    march = await accepted(tenant, hours(item, MARCH, 50, 5000))
    async with open_merge(resources, tenant, january):
        # Would wait for the January merge's commit if merges locked the workspace.
        await asyncio.wait_for(merge(resources, tenant, march), 10)
        assert await stored(resources, tenant) == (51, sum(5000 + h for h in range(50)))
    assert await stored(resources, tenant) == (
        101,
        sum(1000 + h for h in range(50)) + sum(5000 + h for h in range(50)),
    )
    await rollups_match_a_rebuild(resources, tenant)


async def test_a_merge_sharing_a_bucket_waits_and_the_later_batch_wins(
    tenant: Tenant, resources: Resources
) -> None:
    item = await factories.content_item(tenant)
    earlier = await accepted(tenant, hours(item, JANUARY, 50, 1000))
    # Restates the last 10 hours of `earlier` and adds 40 more.
    later = await accepted(tenant, hours(item, JANUARY + timedelta(hours=40), 50, 7000))
    async with open_merge(resources, tenant, later):
        waiting = asyncio.ensure_future(merge(resources, tenant, earlier))
        await asyncio.sleep(0.5)
        assert not waiting.done()  # held by the bucket locks of `later`
    await asyncio.wait_for(waiting, 10)
    expected = sum(1000 + h for h in range(40)) + sum(7000 + h for h in range(50))
    assert await stored(resources, tenant) == (90, expected)
    await rollups_match_a_rebuild(resources, tenant)


async def test_a_rebuild_waits_for_an_open_merge(tenant: Tenant, resources: Resources) -> None:
    item = await factories.content_item(tenant)
    batch = await accepted(tenant, hours(item, JANUARY, 24, 100))
    async with open_merge(resources, tenant, batch):

        async def rebuild() -> None:
            async with unit_of_work(resources.sessionmaker, None) as uow:
                await rollups.rebuild_workspace(uow.session, uuid.UUID(tenant.id))

        waiting = asyncio.ensure_future(rebuild())
        await asyncio.sleep(0.5)
        assert not waiting.done()  # the workspace lock, exclusive, waits for the merge
    await asyncio.wait_for(waiting, 10)
    await rollups_match_a_rebuild(resources, tenant)
