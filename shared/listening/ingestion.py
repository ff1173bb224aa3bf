"""Mention ingestion (LIS-1): a batch is stored by the request, then analysed by its job."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.bulk import Bulk
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import FieldError
from shared.jobs.work import BatchKind, IngestBatch, IngestStatus
from shared.listening import terms
from shared.listening.analysis import RowAnalyser, analyse_here
from shared.listening.jobs import AnalyseMentions
from shared.listening.models import Mention, SentimentSource
from shared.listening.schemas import MentionIn
from shared.listening.sentiment import label
from shared.listening.statements import LOCK_BATCH, STORE_ANALYSIS, UPSERT
from shared.social_accounts.models import Platform

#: Sources report what was posted: a mention from the future is a client's clock bug.
FUTURE_SLACK = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def row_problems(body: Bulk[MentionIn], now: datetime) -> list[FieldError]:
    """Every problem a row has on its own, with its index and field."""
    errors: list[FieldError] = []
    for index, row in body.indexed():
        if not EARLIEST <= row.posted_at <= now + FUTURE_SLACK:
            errors.append(
                FieldError(
                    body.loc(index, "posted_at"),
                    "outside 2000-01-01 .. now: sources report what was posted",
                    "posted_out_of_range",
                )
            )
    return errors


def _record(row: MentionIn) -> dict[str, Any]:
    """As `statements.UPSERT` reads it."""
    given = row.sentiment is not None
    return {
        "id": str(uuid.uuid4()),
        "platform": row.platform.value,
        "external_id": row.external_id,
        "author_handle": row.author_handle,
        "author_followers": row.author_followers,
        "text": row.text,
        "url": row.url,
        "posted_at": row.posted_at.astimezone(UTC).isoformat(),
        "language": None if row.language is None else row.language.value,
        "language_given": row.language is not None,
        "sentiment": row.sentiment,
        "sentiment_label": label(row.sentiment).value if row.sentiment is not None else None,
        "sentiment_source": SentimentSource.source.value if given else None,
    }


async def ingest(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: Bulk[MentionIn], now: datetime
) -> IngestBatch:
    """All or nothing (the schema's errors and the rules', in one answer); the mentions
    are upserted in the request's transaction, so the `202` means stored, and the
    recorded analysis job scores and evaluates them.

    A repeat of (platform, external_id) replaces what the source said, keeps the team's
    workflow fields, and is analysed again only if it changed; inside one batch the last
    one wins."""
    rows = body.checked(row_problems(body, now))
    latest: dict[tuple[Platform, str], MentionIn] = {}
    for row in rows:
        latest.pop((row.platform, row.external_id), None)
        latest[(row.platform, row.external_id)] = row
    batch = IngestBatch(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        kind=BatchKind.mentions,
        status=IngestStatus.queued,
        row_count=len(rows),
    )
    uow.session.add(batch)
    await uow.session.flush()
    outcome = (
        await uow.session.execute(
            UPSERT,
            {
                "workspace": workspace_id,
                "batch": batch.id,
                "now": now,
                # Key order: concurrent batches naming the same mentions lock them in the
                # same order (no deadlock).
                "rows": json.dumps([_record(latest[key]) for key in sorted(latest)]),
            },
        )
    ).all()
    batch.inserted = sum(1 for (inserted,) in outcome if inserted)
    batch.updated = len(outcome) - batch.inserted
    if outcome:
        job = uow.enqueue(AnalyseMentions(batch_id=batch.id), workspace_id=workspace_id)
        batch.job_id = job.id
    else:  # every mention was already stored as is: nothing to analyse
        batch.status = IngestStatus.succeeded
        batch.finished_at = now
    await uow.session.flush()
    return batch


@dataclass(frozen=True, slots=True)
class BatchAnalysis:
    """What a batch's analysis did, for the worker to count (its Prometheus metrics)."""

    #: Mentions analysed, per sentiment source: every source, 0 included.
    by_source: dict[SentimentSource, int]
    #: Scoring, detection and matching time.
    seconds: float

    @property
    def analysed(self) -> int:
        return sum(self.by_source.values())


async def analyse_batch(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    batch_id: uuid.UUID,
    now: datetime,
    analyse: RowAnalyser = analyse_here,
) -> BatchAnalysis | None:
    """Scores, detects and matches the batch's mentions that still need it, set-based.
    None when a replay finds the batch done."""
    session = uow.session
    batch = await TenantRepository(session, IngestBatch, "ingest batch").get(
        workspace_id, batch_id, lock=True
    )
    if batch.status != IngestStatus.queued:
        return None
    rows = (
        await session.execute(
            sa.select(
                Mention.id,
                Mention.text,
                Mention.language,
                Mention.sentiment,
                Mention.sentiment_source,
            ).where(
                Mention.workspace_id == workspace_id,
                Mention.batch_id == batch_id,
                Mention.analysed_at.is_(None),
            )
        )
    ).all()
    started = time.perf_counter()
    # Only the source's own score is kept; a score the analyser gave before is redone.
    done = await analyse(
        [
            (r.id, r.text, r.language, r.sentiment if r.sentiment_source == "source" else None)
            for r in rows
        ],
        await terms.matcher(uow, workspace_id),
    )
    seconds = time.perf_counter() - started
    if done:
        payload = json.dumps([a.record() for a in done])
        await session.execute(LOCK_BATCH, {"workspace": workspace_id, "batch": batch_id})
        await session.execute(
            STORE_ANALYSIS,
            {"rows": payload, "now": now, "workspace": workspace_id, "batch": batch_id},
        )
    batch.status = IngestStatus.succeeded
    batch.finished_at = now
    await session.flush()
    by_source = {source: sum(1 for a in done if a.source == source) for source in SentimentSource}
    return BatchAnalysis(by_source, seconds)
