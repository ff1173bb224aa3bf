"""The arq worker: recorded jobs by name, and the crons that keep work moving."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.worker import Function, func
from prometheus_client import start_http_server

from services.worker.analysis import AnalysisPool
from services.worker.context import WorkerContext, typed
from services.worker.crisis import evaluate_workspace
from services.worker.jobs import HANDLERS
from services.worker.registry import Registered
from services.worker.resilient import ResilientWorker
from services.worker.runner import run_recorded
from services.worker.webhooks import WebhookDispatcher
from shared.campaigns import service as campaigns
from shared.config import Settings, get_settings
from shared.content import service as content
from shared.crisis.evaluate import workspaces_to_evaluate
from shared.db import partitions
from shared.db.base import utcnow
from shared.db.engine import make_engine, make_sessionmaker
from shared.db.uow import unit_of_work
from shared.idempotency import store as idempotency
from shared.jobs import service as jobs_service
from shared.logging import configure_logging
from shared.platforms import registry
from shared.segments import service as segments
from shared.social_accounts import service as social_accounts
from shared.webhooks import dispatch as webhook_dispatch

log = structlog.get_logger(__name__)


async def sweep_jobs(ctx: dict[str, Any]) -> int:
    """Re-sends recorded jobs that never reached Redis (it was down) or were lost with it."""
    wc = typed(ctx)
    async with wc.sessionmaker() as session:
        sent = await jobs_service.sweep(session, wc.queue, utcnow())
    if sent:
        log.info("jobs.swept", sent=sent)
    return sent


async def purge_idempotency(ctx: dict[str, Any]) -> None:
    wc = typed(ctx)
    async with wc.sessionmaker() as session, session.begin():
        await idempotency.purge_expired(session, utcnow())


async def advance_campaigns(ctx: dict[str, Any]) -> int:
    wc = typed(ctx)
    async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
        return await campaigns.advance_schedule(uow, utcnow())


async def purge_webhooks(ctx: dict[str, Any]) -> int:
    """Delivery history and outbox events past WEBHOOK_RETENTION_DAYS, in short batches."""
    wc = typed(ctx)
    before = utcnow() - timedelta(days=wc.settings.webhook_retention_days)
    purged = 0
    while True:
        async with wc.sessionmaker() as session, session.begin():
            deliveries, events = await webhook_dispatch.purge(session, before)
        purged += deliveries + events
        if not (deliveries or events):
            return purged


async def prepare_partitions(ctx: dict[str, Any]) -> list[str]:
    """This month's and the next two months' partitions of every partitioned table,
    before rows arrive."""
    wc = typed(ctx)
    month = partitions.month_start(utcnow())
    months = [month]
    for _ in range(2):
        months.append(partitions.next_month(months[-1]))
    made = []
    async with wc.sessionmaker() as session, session.begin():
        for parent in partitions.PARENTS:
            made += await partitions.ensure(session, parent, months)
    return made


async def release_due_content(ctx: dict[str, Any]) -> int:
    """`content_item.due` for every scheduled item whose time has come (WH-3)."""
    wc = typed(ctx)
    released = 0
    while True:
        async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
            count = await content.release_due(uow, utcnow())
        released += count
        if count < content.DUE_BATCH:
            return released


async def evaluate_crises(ctx: dict[str, Any]) -> int:
    """CRI-2 every CRISIS_EVAL_INTERVAL_SECONDS: levels fall and cooldowns run out even
    when no mention arrives. One transaction per workspace."""
    wc = typed(ctx)
    async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
        workspaces = await workspaces_to_evaluate(uow)
    for workspace_id in workspaces:
        try:
            async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
                await evaluate_workspace(uow, workspace_id)
        except Exception:  # one workspace's failure must not stop the others' alerts
            log.exception("crisis.evaluation_failed", workspace_id=str(workspace_id))
    return len(workspaces)


async def schedule_segments(ctx: dict[str, Any]) -> int:
    """SEG-3: a refresh for each retargeting audience whose period has passed."""
    wc = typed(ctx)
    async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
        return await segments.schedule_due(uow, utcnow())


async def schedule_pulls(ctx: dict[str, Any]) -> int:
    """A recorded pull for each social account whose sync time has come (issue 21)."""
    wc = typed(ctx)
    async with unit_of_work(wc.sessionmaker, wc.queue) as uow:
        return await social_accounts.schedule_due(uow, utcnow())


def every(seconds: int) -> dict[str, Any]:
    """arq cron fields for "every N seconds" (N under a minute), or every N // 60 minutes."""
    if seconds < 60:
        return {"second": set(range(0, 60, seconds))}
    return {"minute": set(range(0, 60, max(1, seconds // 60))), "second": 0}


#: How often scheduled content is checked for its time: a post is handed over at most
#: this late.
DUE_EVERY_SECONDS = 5


def recorded_functions(handlers: Sequence[Registered[Any]] = HANDLERS) -> list[Function]:
    """An arq function per declared job, named as the job (tests add their own jobs)."""
    functions = []
    for job in handlers:
        runner = functools.partial(run_recorded, job=job)
        functools.update_wrapper(runner, run_recorded)
        functions.append(func(runner, name=job.name))  # type: ignore[arg-type]
    return functions


def worker_settings(settings: Settings | None = None, **overrides: Any) -> dict[str, Any]:
    """arq settings as a dict, built when the worker starts (not at import)."""
    settings = settings or get_settings()

    async def startup(ctx: dict[str, Any]) -> None:
        configure_logging(settings.log_level, json=settings.log_json)
        engine = make_engine(settings)
        pool = AnalysisPool(settings.analysis_processes) if settings.analysis_processes else None
        ctx["app"] = WorkerContext(
            settings, engine, make_sessionmaker(engine), ctx["redis"], analysis=pool
        )
        long_running = overrides.get("burst") is not True
        if settings.worker_metrics_port and long_running:
            start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
        if long_running:
            dispatcher = WebhookDispatcher(settings, ctx["app"].sessionmaker)
            ctx["webhooks"] = (dispatcher, asyncio.create_task(dispatcher.run()))
        registry.load()  # a broken metric registry stops the start, not a pull later
        log.info("worker.started", functions=sorted(job.name for job in HANDLERS))

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "webhooks" in ctx:
            dispatcher, task = ctx.pop("webhooks")
            await dispatcher.stop()
            await task
        if "app" in ctx:
            context = typed(ctx)
            await context.engine.dispose()
            if context.analysis is not None:
                await asyncio.to_thread(context.analysis.close)

    base: dict[str, Any] = {
        "functions": recorded_functions(),
        "cron_jobs": [
            cron(
                sweep_jobs,
                name="jobs.sweep",
                second={0, 30},
                run_at_startup=True,
                unique=True,
                timeout=60,
            ),
            cron(advance_campaigns, name="campaigns.advance", second=5, unique=True, timeout=60),
            cron(
                release_due_content,
                name="content.release_due",
                second=set(range(0, 60, DUE_EVERY_SECONDS)),
                run_at_startup=True,
                unique=True,
                timeout=60,
            ),
            cron(
                evaluate_crises,
                name="crisis.evaluate",
                **every(settings.crisis_eval_interval_seconds),
                unique=True,
                timeout=120,
            ),
            cron(schedule_segments, name="segments.schedule", second=20, unique=True, timeout=60),
            cron(
                schedule_pulls,
                name="platforms.schedule",
                second={10, 40},
                run_at_startup=True,
                unique=True,
                timeout=60,
            ),
            cron(purge_idempotency, name="idempotency.purge", minute=17, second=0, unique=True),
            cron(purge_webhooks, name="webhooks.purge", minute=47, second=0, unique=True),
            cron(
                prepare_partitions,
                name="metrics.partitions",
                hour=3,
                minute=7,
                second=0,
                run_at_startup=True,
                unique=True,
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_dsn),
        "max_tries": settings.job_max_tries,
        "job_timeout": 600,
        "keep_result": 60,
        "health_check_interval": 10,
        "handle_signals": True,
    }
    return base | overrides


def run(**overrides: Any) -> None:
    ResilientWorker(**worker_settings(**overrides)).run()
