"""Recorded jobs: sent only after COMMIT, swept when Redis was down, run once in effect."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

import pytest
import sqlalchemy as sa
from arq import Retry
from arq.connections import ArqRedis, RedisSettings, create_pool

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.main import advance_campaigns, recorded_functions
from services.worker.runner import run_recorded
from shared.db.base import utcnow
from shared.db.uow import SEND_TIMEOUT, unit_of_work
from shared.embedded import EmbeddedRedis
from shared.jobs import service as jobs_service
from shared.jobs.queue import ArqJobQueue
from tests import factories
from tests.conftest import Tenant
from tests.helpers.outbox import outbox_events
from tests.worker.conftest import (
    ALL_JOBS,
    FLAKY,
    REFUSE,
    TOUCH,
    Flaky,
    Refuse,
    Touch,
    ctx_for,
    run_burst,
)


class JobRow(TypedDict):
    status: str
    attempts: int
    last_error: str | None


async def job_row(resources: Resources, job_id: uuid.UUID) -> JobRow | None:
    async with resources.engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    sa.text("SELECT status, attempts, last_error FROM jobs WHERE id = :id"),
                    {"id": job_id},
                )
            )
            .mappings()
            .one_or_none()
        )
    if row is None:
        return None
    return JobRow(status=row["status"], attempts=row["attempts"], last_error=row["last_error"])


async def recorded_job(resources: Resources, job_id: uuid.UUID) -> JobRow:
    """The row of a job the test knows was recorded."""
    row = await job_row(resources, job_id)
    assert row is not None, job_id
    return row


async def event_count(resources: Resources, workspace_id: str, event_type: str) -> int:
    return len(await outbox_events(resources, workspace_id, event_type))


async def test_job_of_a_rolled_back_transaction_is_never_sent(
    tenant: Tenant, resources: Resources, queue_name: str
) -> None:
    queue = ArqJobQueue(resources.redis, queue_name)
    recorded: list[uuid.UUID] = []

    async def record_then_fail() -> None:
        async with unit_of_work(resources.sessionmaker, queue) as uow:
            recorded.append(uow.enqueue(Touch(n=1), workspace_id=uuid.UUID(tenant.id)).id)
            await uow.session.flush()
            raise RuntimeError("the request failed after recording the job")

    with pytest.raises(RuntimeError):
        await record_then_fail()
    assert await resources.redis.zcard(queue_name) == 0
    assert await job_row(resources, recorded[0]) is None


async def test_committed_job_is_sent_and_run_by_a_real_worker(
    tenant: Tenant, resources: Resources, wc: WorkerContext, queue_name: str
) -> None:
    async with unit_of_work(
        resources.sessionmaker, ArqJobQueue(resources.redis, queue_name)
    ) as uow:
        job = uow.enqueue(Touch(n=7), workspace_id=uuid.UUID(tenant.id))
    assert await resources.redis.zcard(queue_name) == 1
    await run_burst(wc, wc.settings.redis_dsn, queue_name)
    assert (await job_row(resources, job.id)) == {
        "status": "done",
        "attempts": 1,
        "last_error": None,
    }
    assert await event_count(resources, tenant.id, "test.touched") == 1


async def test_job_enqueued_while_redis_is_down_is_swept_once_it_is_back(
    tenant: Tenant, resources: Resources, wc: WorkerContext, queue_name: str, tmp_path: Path
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis")
    redis_url = redis.start()
    restarted = EmbeddedRedis(tmp_path / "redis", port=redis.port)
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        redis.stop()
        async with unit_of_work(resources.sessionmaker, ArqJobQueue(pool, queue_name)) as uow:
            job = uow.enqueue(Touch(n=1), workspace_id=uuid.UUID(tenant.id))
        assert (await recorded_job(resources, job.id))["status"] == "pending"

        restarted.start()
        later = utcnow() + jobs_service.SWEEP_GRACE + timedelta(seconds=1)
        # The sweeper re-sends every pending job, other tests' too: look at ours.
        for _ in range(3):  # the pool's old connections fail once, then reconnect
            async with resources.sessionmaker() as session:
                sent = await jobs_service.sweep(session, ArqJobQueue(pool, queue_name), later)
            if await pool.zscore(queue_name, str(job.id)) is not None:
                break
        assert await pool.zscore(queue_name, str(job.id)) is not None
        queued = await pool.zcard(queue_name)
        async with resources.sessionmaker() as session:  # sweeping again queues nothing new
            assert await jobs_service.sweep(session, ArqJobQueue(pool, queue_name), later) >= 0
        assert await pool.zcard(queue_name) == queued
        wc_on_restarted = WorkerContext(wc.settings, wc.engine, wc.sessionmaker, pool)
        await run_burst(wc_on_restarted, redis_url, queue_name)
        assert (await recorded_job(resources, job.id))["status"] == "done"
        assert await event_count(resources, tenant.id, "test.touched") == 1
        assert sent >= 0
    finally:
        await pool.aclose()
        restarted.stop()
        redis.stop()


async def test_a_replayed_job_changes_nothing(
    tenant: Tenant, resources: Resources, wc: WorkerContext
) -> None:
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = uow.enqueue(Touch(n=2), workspace_id=uuid.UUID(tenant.id))
    assert await run_recorded(ctx_for(wc), str(job.id), job=TOUCH) == "done"
    assert await run_recorded(ctx_for(wc), str(job.id), job=TOUCH) == "skipped"
    assert await event_count(resources, tenant.id, "test.touched") == 1


async def test_a_job_locked_elsewhere_is_retried_not_dropped(
    tenant: Tenant, resources: Resources, wc: WorkerContext
) -> None:
    """A killed worker's transaction may hold the job's row for a while: the next delivery
    must come back later, not report the job as done."""
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = uow.enqueue(Touch(n=3), workspace_id=uuid.UUID(tenant.id))
    async with resources.engine.connect() as holder:
        await holder.execute(
            sa.text("SELECT 1 FROM jobs WHERE workspace_id = :w AND id = :id FOR UPDATE"),
            {"w": job.workspace_id, "id": job.id},
        )
        with pytest.raises(Retry):
            await run_recorded(ctx_for(wc, 1), str(job.id), job=TOUCH)
        await holder.rollback()
    assert (await recorded_job(resources, job.id))["status"] == "pending"
    assert await run_recorded(ctx_for(wc, 2), str(job.id), job=TOUCH) == "done"
    assert await event_count(resources, tenant.id, "test.touched") == 1


async def test_transient_failure_is_retried_and_its_writes_rolled_back(
    tenant: Tenant, resources: Resources, wc: WorkerContext
) -> None:
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = uow.enqueue(Flaky(key=str(uuid.uuid4())), workspace_id=uuid.UUID(tenant.id))
    with pytest.raises(Retry):
        await run_recorded(ctx_for(wc, 1), str(job.id), job=FLAKY)
    row = await job_row(resources, job.id)
    assert row is not None
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "timed out" in str(row["last_error"])
    assert await event_count(resources, tenant.id, "test.flaky") == 0
    assert await run_recorded(ctx_for(wc, 2), str(job.id), job=FLAKY) == "done"
    assert (await recorded_job(resources, job.id))["attempts"] == 2
    assert await event_count(resources, tenant.id, "test.flaky") == 1


async def test_domain_refusal_is_final_and_recorded(
    tenant: Tenant, resources: Resources, wc: WorkerContext
) -> None:
    async with unit_of_work(resources.sessionmaker, None) as uow:
        job = uow.enqueue(Refuse(), workspace_id=uuid.UUID(tenant.id))
    assert await run_recorded(ctx_for(wc), str(job.id), job=REFUSE) == "failed"
    row = await job_row(resources, job.id)
    assert row == {
        "status": "failed",
        "attempts": 1,
        "last_error": "nothing to do for this audience",
    }
    assert await event_count(resources, tenant.id, "test.refused") == 0


def test_every_registered_job_becomes_an_arq_function() -> None:
    names = {f.name for f in recorded_functions(ALL_JOBS)}
    assert {Touch.NAME, Flaky.NAME, Refuse.NAME} <= names
    declared = {f.name for f in recorded_functions()}
    assert declared == {
        "metrics.merge",
        "listening.analyse",
        "attribution.run",
        "segments.refresh",
        "kpis.rebuild",
        "platforms.sync",
    }


async def test_campaigns_start_and_end_on_their_dates(
    tenant: Tenant, resources: Resources, wc: WorkerContext
) -> None:
    starting = await factories.campaign(
        tenant, starts_at=factories.in_days(-0.01), ends_at=factories.in_days(10)
    )
    finished = await factories.campaign(
        tenant, starts_at=factories.in_days(-3), ends_at=factories.in_days(-1)
    )
    future = await factories.campaign(tenant, starts_at=factories.in_days(3))
    for campaign in (starting, finished, future):
        response = await tenant.http.patch(
            f"/v1/campaigns/{campaign['id']}", json={"status": "scheduled"}, headers=tenant.admin
        )
        assert response.status_code == 200
    assert await advance_campaigns(ctx_for(wc)) >= 2

    async def status(campaign: factories.Campaign) -> str:
        got = await tenant.http.get(f"/v1/campaigns/{campaign['id']}", headers=tenant.admin)
        return str(got.json()["status"])

    assert [await status(c) for c in (starting, finished, future)] == [
        "active",
        "completed",
        "scheduled",
    ]
    assert await event_count(resources, tenant.id, "campaign.status_changed") == 3 + 3


async def test_a_hung_redis_does_not_hold_the_commit(
    tenant: Tenant, resources: Resources, black_hole: int
) -> None:
    hung = ArqRedis(host="127.0.0.1", port=black_hole)
    started = time.monotonic()
    async with unit_of_work(resources.sessionmaker, ArqJobQueue(hung)) as uow:
        jobs = [uow.enqueue(Touch(n=n), workspace_id=uuid.UUID(tenant.id)) for n in range(3)]
    # One timeout for the round, not one per job: the rest are left to the sweeper.
    assert time.monotonic() - started < SEND_TIMEOUT + 1.5
    for job in jobs:
        assert (await recorded_job(resources, job.id))["status"] == "pending"
    await hung.aclose()
