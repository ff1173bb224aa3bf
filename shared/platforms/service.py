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
from pydantic import ValidationError

from shared import money
from shared.bulk import Bulk
from shared.content.references import read_targets
from shared.db.uow import UnitOfWork
from shared.errors import FieldError, ValidationFailed
from shared.metrics.models import AMOUNTS, COUNTERS, Granularity, Reason
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
    if body.timezone and report.days_in and body.timezone != report.days_in:
        raise _refuse(
            ("body", "timezone"),
            f"{report.key} counts days in {report.days_in}, whatever the account's zone",
            "fixed_timezone",
        )
    timezone = report.days_in or body.timezone or workspace_zone or "UTC"
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
    rows = [_row(body, bucket, source, currency) for bucket in buckets]
    return ReportRows(rows, adapted, report, timezone)


#: A target's days as they stand: each day's latest staged row (queued, not merged yet)
#: or else its merged snapshot. Lifetime totals are differenced against these, so a total
#: posted before the previous day's merge ran is not counted twice.
_DAYS = """
    WITH staged AS (
        SELECT DISTINCT ON (r.period_start) r.period_start, {columns}
        FROM ingest_rows r
        JOIN ingest_batches b ON b.workspace_id = r.workspace_id AND b.id = r.batch_id
        WHERE r.workspace_id = :workspace AND b.status = 'queued'
          AND coalesce(r.content_item_id, r.campaign_id) = :target
          AND r.granularity = 'day'
        ORDER BY r.period_start, b.seq DESC, r.seq DESC
    ), days AS (
        SELECT period_start, {plain} FROM staged
        UNION ALL
        SELECT m.period_start, {stored} FROM metric_snapshots m
        WHERE m.workspace_id = :workspace AND m.target_id = :target AND m.granularity = 'day'
          AND m.period_start NOT IN (SELECT period_start FROM staged)
    )
    SELECT max(period_start), {sums} FROM days WHERE period_start < :day
    UNION ALL
    SELECT max(period_start), {nulls} FROM days WHERE period_start > :day
"""


async def _differenced(
    uow: UnitOfWork, workspace_id: uuid.UUID, target_id: uuid.UUID, buckets: Sequence[Bucket]
) -> list[Bucket]:
    """A lifetime total as its day's increase: the total less what the target's days
    before it hold, staged or merged. A platform that restates a total down (spam removed)
    gives 0 that day, not a negative count. A total older than a day already stored is
    refused: the later days' increases were computed without it. Daily buckets pass."""
    out = []
    for bucket in buckets:
        if not bucket.lifetime:
            out.append(bucket)
            continue
        counted = [name for name in COUNTERS if name in bucket.values]
        sql = _DAYS.format(
            columns=", ".join(f"r.{name}" for name in COUNTERS),
            plain=", ".join(COUNTERS),
            stored=", ".join(f"m.{name}" for name in COUNTERS),
            sums=", ".join(f"sum({name})" for name in COUNTERS),
            nulls=", ".join("NULL" for _ in COUNTERS),
        )
        params = {"workspace": workspace_id, "target": target_id, "day": bucket.period_start}
        earlier, later = (await uow.session.execute(sa.text(sql), params)).all()
        if later[0] is not None:
            raise _refuse(
                ("body", "as_of"),
                f"a lifetime total as of a day before one already stored ({later[0]:%Y-%m-%d})",
                "lifetime_out_of_order",
            )
        before = dict(zip(COUNTERS, earlier[1:], strict=True))
        values = {
            name: max(int(value) - int(before.get(name) or 0), 0) if name in counted else value
            for name, value in bucket.values.items()
        }
        out.append(Bucket(bucket.period_start, False, values, dict(bucket.unreported)))
    return out


def _row(body: PlatformReportIn, bucket: Bucket, source: str, currency: str | None) -> SnapshotIn:
    """A bucket as an ING-1 row. Money is rounded to its currency's places: platforms
    write float noise in costs (LinkedIn's "153.10999999999999")."""
    fields: dict[str, object] = {}
    for name, value in bucket.values.items():
        if name in AMOUNTS:
            amount = Decimal(value)
            fields[name] = format(money.rounded(amount, currency) if currency else amount, "f")
        else:
            fields[name] = int(value)
    unreported = dict(bucket.unreported)
    try:
        return SnapshotIn(
            content_item_id=body.content_item_id,
            campaign_id=body.campaign_id,
            period_start=bucket.period_start,
            granularity=Granularity.day,
            source=source,
            unreported=Unreported(**unreported) if unreported else None,
            **fields,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise _refuse(
            ("body", "payload"),
            f"{'.'.join(map(str, error['loc']))} on {bucket.period_start:%Y-%m-%d}: {error['msg']}",
            "payload_value",
        ) from None
