"""Data in from the platforms (issue 21): the metric registry, and a platform's response
posted as it came, read into snapshots through the registry."""

from __future__ import annotations

from fastapi import Response, status

from services.api.deps import EditorKey, UoW, ViewerKey, v1_router
from services.api.problems import IDEMPOTENCY
from shared.bulk import Bulk
from shared.db.base import utcnow
from shared.jobs.work import IngestBatchRead
from shared.metrics import service as metrics
from shared.platforms import registry, service
from shared.platforms.registry import Registry
from shared.platforms.schemas import PlatformReportAccepted, PlatformReportIn

registry_router = v1_router("/metric-registry", "platforms")
reports_router = v1_router("/platform-reports", "platforms")


@registry_router.get(
    "",
    response_model=Registry,
    summary="What each platform reports, per object type and API version, and the counter "
    "each metric lands on",
)
async def get_metric_registry(key: ViewerKey) -> Registry:
    return registry.load()


@reports_router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PlatformReportAccepted,
    summary="Ingest a platform's insights response as it returned it (read through the "
    "registry, merged by the worker)",
    responses=IDEMPOTENCY,
)
async def post_platform_report(
    body: PlatformReportIn, uow: UoW, key: EditorKey, response: Response
) -> PlatformReportAccepted:
    now = utcnow()
    read = await service.report_rows(uow, key.workspace_id, body, now)
    rows = Bulk.whole(service.BUCKETS, read.rows)
    batch = await metrics.ingest(uow, key.workspace_id, rows, now, read.timezone)
    response.headers["Location"] = f"/v1/ingest-batches/{batch.id}"
    return PlatformReportAccepted(
        report=read.report.key,
        buckets=batch.row_count,
        ignored_metrics=list(read.adapted.ignored),
        batch=IngestBatchRead.model_validate(batch),
    )
