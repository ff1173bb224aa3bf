"""A platform's response, as returned, into snapshots down the ING durable path: the
registry reads it (`adapters`), a lifetime total becomes its day's increase, and the
metrics service validates, stages and enqueues the merge as for any batch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from shared.bulk import Bulk
from shared.content.references import read_targets
from shared.db.uow import UnitOfWork
from shared.errors import FieldError, ValidationFailed
from shared.jobs.work import IngestBatch
from shared.metrics import service as metrics
from shared.metrics.models import AMOUNTS, COUNTERS, Granularity, MetricSnapshot, Reason
from shared.metrics.schemas import SnapshotIn, Unreported
from shared.platforms import registry
from shared.platforms.adapters import Adapted, Bucket, Context, PayloadError, adapt
from shared.platforms.schemas import PlatformReportIn
from shared.workspaces.models import Workspace

#: Platforms report the past, and nothing before ING's earliest bucket.
EARLIEST = date(2000, 1, 1)
#: The body field that holds the adapted buckets, in rule errors after adaptation.
BUCKETS = "buckets"


def _refuse(loc: tuple[str | int, ...], message: str, kind: str) -> ValidationFailed:
    return ValidationFailed([FieldError(loc, message, kind)])


def report_for(body: PlatformReportIn) -> registry.Report:
    """The registry's report for the body's platform and object, at its version."""
    report = registry.load().report_for(body.platform, body.object_type)
    if report is None:
        raise _refuse(
            ("body", "object_type"),
            f"the registry reads no {body.object_type} report of {body.platform}",
            "unknown_report",
        )
    if not report.supports(body.api_version):
        raise _refuse(
            ("body", "api_version"),
            f"{report.key} is read from {report.versions}",
            "unsupported_version",
        )
    return report


def context_for(
    body: PlatformReportIn,
    report: registry.Report,
    timezone: str,
    today: date,
    refused: dict[str, Reason] | None = None,
) -> Context:
    return Context(
        report=report,
        version=body.api_version,
        timezone=timezone,
        as_of=body.as_of or today,
        window=body.attribution_window,
        refused=refused or {},
    )


def read_payload(body: PlatformReportIn, context: Context) -> Adapted:
    try:
        return adapt(body.payload, context)
    except PayloadError as exc:
        raise _refuse(("body", "payload", *exc.loc), exc.message, "payload_shape") from None


@dataclass(frozen=True)
class ReportRows:
    """A report read into snapshot rows, ready for `metrics.ingest` in `timezone`."""

    rows: list[SnapshotIn]
    adapted: Adapted
    report: registry.Report
    timezone: str


async def report_rows(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    body: PlatformReportIn,
    now: datetime,
    refused: dict[str, Reason] | None = None,
) -> ReportRows:
    """Adapt, check the target and currency, difference lifetime totals: the snapshot
    rows of one report, with days in the platform's zone."""
    workspace_zone = await uow.session.scalar(
        sa.select(Workspace.timezone).where(Workspace.id == workspace_id)
    )
    report = report_for(body)
    timezone = body.timezone or report.days_in or workspace_zone or "UTC"
    today = now.astimezone(ZoneInfo(timezone)).date()
    if body.as_of is not None and not EARLIEST <= body.as_of <= today:
        raise _refuse(("body", "as_of"), f"a day from {EARLIEST} to today", "as_of_out_of_range")
    context = context_for(body, report, timezone, today, refused)
    adapted = read_payload(body, context)
    target = SnapshotIn(
        content_item_id=body.content_item_id,
        campaign_id=body.campaign_id,
        period_start=now,
        granularity=Granularity.day,
    )
    named = await read_targets(uow, workspace_id, Bulk.whole("report", [target]))
    if named.errors:
        field = "content_item_id" if body.content_item_id else "campaign_id"
        raise _refuse(("body", field), named.errors[0].msg, named.errors[0].type)
    currency = named.currency(target)
    if adapted.currency is not None and adapted.currency != currency:
        raise _refuse(
            ("body", "payload", "data", 0, "account_currency"),
            f"the account reports in {adapted.currency}, the target counts in {currency}",
            "currency_mismatch",
        )
    if not adapted.buckets:
        raise _refuse(("body", "payload"), "the payload holds no figures", "empty_report")
    target_id = body.content_item_id or body.campaign_id
    assert target_id is not None
    buckets = await _differenced(uow, workspace_id, target_id, adapted.buckets)
    source = f"{report.key}@{body.api_version}"[:100]
    rows = [_row(body, bucket, source) for bucket in buckets]
    return ReportRows(rows, adapted, report, timezone)


async def ingest_report(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: PlatformReportIn, now: datetime
) -> tuple[IngestBatch, ReportRows]:
    """One report down the ING durable path (ING-1..ING-5): a batch and its merge job."""
    read = await report_rows(uow, workspace_id, body, now)
    batch = await metrics.ingest(
        uow, workspace_id, Bulk.whole(BUCKETS, read.rows), now, read.timezone
    )
    return batch, read


async def _differenced(
    uow: UnitOfWork, workspace_id: uuid.UUID, target_id: uuid.UUID, buckets: Sequence[Bucket]
) -> list[Bucket]:
    """A lifetime total as its day's increase: the total less what the target's days
    before it hold. A platform that restates a total down (spam removed) gives 0 that day,
    not a negative count. Daily buckets pass as they are."""
    out = []
    for bucket in buckets:
        if not bucket.lifetime:
            out.append(bucket)
            continue
        s = MetricSnapshot
        counted = [name for name in COUNTERS if name in bucket.values]
        before = {}
        if counted:
            row = (
                await uow.session.execute(
                    sa.select(*(sa.func.sum(getattr(s, name)) for name in counted)).where(
                        s.workspace_id == workspace_id,
                        s.target_id == target_id,
                        s.granularity == Granularity.day,
                        s.period_start < bucket.period_start,
                    )
                )
            ).one()
            before = dict(zip(counted, row, strict=True))
        values = {
            name: max(int(value) - int(before.get(name) or 0), 0) if name in COUNTERS else value
            for name, value in bucket.values.items()
        }
        out.append(Bucket(bucket.period_start, False, values, dict(bucket.unreported)))
    return out


def _row(body: PlatformReportIn, bucket: Bucket, source: str) -> SnapshotIn:
    fields: dict[str, object] = {}
    for name, value in bucket.values.items():
        fields[name] = format(Decimal(value), "f") if name in AMOUNTS else int(value)
    unreported = dict(bucket.unreported)
    return SnapshotIn(
        content_item_id=body.content_item_id,
        campaign_id=body.campaign_id,
        period_start=bucket.period_start,
        granularity=Granularity.day,
        source=source,
        unreported=Unreported(**unreported) if unreported else None,
        **fields,  # type: ignore[arg-type]
    )
