"""Pulls from the platforms (issue 21): a thin job around `shared.platforms.sync`."""

from __future__ import annotations

import uuid

import httpx
import structlog

from services.worker.context import WorkerContext
from shared.bulk import Bulk
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.metrics import service as metrics
from shared.platforms import service, sync
from shared.platforms.jobs import SyncAccount
from shared.platforms.meta_graph import MetaGraph
from shared.webhooks.service import secret_box

log = structlog.get_logger(__name__)


async def sync_account(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, args: SyncAccount
) -> None:
    settings, now = wc.settings, utcnow()
    async with httpx.AsyncClient(
        base_url=settings.meta_graph_base_url,
        timeout=settings.platform_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        pulled = await sync.pull(
            uow,
            workspace_id,
            args.account_id,
            lambda token, version: MetaGraph(
                client, token, version, settings.platform_max_wait_seconds
            ),
            secret_box(settings),
            now,
        )
    batch = None
    if pulled.rows:
        rows = Bulk.whole(service.BUCKETS, pulled.rows)
        batch = await metrics.ingest(uow, workspace_id, rows, now, pulled.timezone)
    log.info(
        "platforms.synced",
        account_id=str(args.account_id),
        outcome=pulled.outcome,
        items=pulled.items,
        batch_id=str(batch.id) if batch else None,
    )
