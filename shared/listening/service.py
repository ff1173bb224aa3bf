"""Tracked terms, mention ingestion (LIS-1), the workflow (LIS-3) and the analysis job."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.crisis.models import EscalationPolicy
from shared.db.pagination import Page, paginate
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, FieldError, InvalidTransition, ValidationFailed
from shared.listening.models import (
    Mention,
    MentionStatus,
    SentimentSource,
    TermKind,
    TrackedTerm,
)
from shared.listening.reports import needs_response_clause
from shared.listening.schemas import (
    MAX_TERMS_PER_WORKSPACE,
    MentionBatch,
    MentionIn,
    MentionUpdate,
    TrackedTermCreate,
)
from shared.listening.sentiment import Language, SentimentLabel, analyse_many, detect, label
from shared.listening.text import TermMatcher, fold, hashtags, matcher_for
from shared.metrics.models import BatchKind, IngestBatch, IngestStatus
from shared.social_accounts.models import Platform

ANALYSE_JOB = "listening.analyse"
#: Sources report what was posted: a mention from the future is a client's clock bug.
FUTURE_SLACK = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

_LINKS = re.compile(r"https?://\S+|www\.\S+")

#: LIS-3, and the moves a team makes in practice: answer without assigning first, reopen.
TRANSITIONS: dict[MentionStatus, frozenset[MentionStatus]] = {
    MentionStatus.new: frozenset(
        {
            MentionStatus.assigned,
            MentionStatus.responded,
            MentionStatus.ignored,
            MentionStatus.escalated,
        }
    ),
    MentionStatus.assigned: frozenset(
        {MentionStatus.new, MentionStatus.responded, MentionStatus.ignored, MentionStatus.escalated}
    ),
    MentionStatus.escalated: frozenset(
        {MentionStatus.assigned, MentionStatus.responded, MentionStatus.ignored}
    ),
    MentionStatus.ignored: frozenset({MentionStatus.new}),
    MentionStatus.responded: frozenset(),
}


def terms(uow: UnitOfWork) -> TenantRepository[TrackedTerm]:
    return TenantRepository(uow.session, TrackedTerm, "tracked term")


def mentions(uow: UnitOfWork) -> TenantRepository[Mention]:
    return TenantRepository(uow.session, Mention, "mention")


# -- tracked terms ------------------------------------------------------------------------


async def create_term(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: TrackedTermCreate
) -> TrackedTerm:
    duplicate = await uow.session.scalar(
        terms(uow).select(workspace_id).where(TrackedTerm.term == body.term)
    )
    if duplicate is not None:
        raise Conflict(f"'{body.term}' is already tracked as {duplicate.id}", "duplicate")
    held = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(TrackedTerm)
        .where(TrackedTerm.workspace_id == workspace_id)
    )
    if (held or 0) >= MAX_TERMS_PER_WORKSPACE:
        raise ValidationFailed(
            [
                FieldError(
                    ("body", "term"),
                    f"a workspace tracks at most {MAX_TERMS_PER_WORKSPACE} terms; delete one first",
                    "too_many_terms",
                )
            ]
        )
    term = TrackedTerm(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        term=body.term,
        kind=body.kind,
        synonyms=list(dict.fromkeys(body.synonyms)),
    )
    uow.session.add(term)
    await uow.session.flush()
    return term


async def list_terms(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    *,
    kind: TermKind | None,
    limit: int,
    cursor: str | None,
) -> Page[TrackedTerm]:
    stmt = terms(uow).select(workspace_id)
    if kind is not None:
        stmt = stmt.where(TrackedTerm.kind == kind)
    return await paginate(uow.session, stmt, TrackedTerm, limit, cursor)


async def delete_term(uow: UnitOfWork, workspace_id: uuid.UUID, term_id: uuid.UUID) -> None:
    """Mentions keep their text; the term leaves their matches, set-based. Refused while
    an escalation policy watches it: the policy would silently watch less."""
    term = await terms(uow).get(workspace_id, term_id, lock=True)
    watching = await uow.session.scalar(
        sa.select(EscalationPolicy.name).where(
            EscalationPolicy.workspace_id == workspace_id,
            EscalationPolicy.term_ids.contains([term.id]),
        )
    )
    if watching is not None:
        raise Conflict(
            f"the escalation policy '{watching}' watches this term: edit it first", "in-use"
        )
    await uow.session.execute(
        sa.update(Mention)
        .where(Mention.workspace_id == workspace_id, Mention.term_ids.contains([term.id]))
        .values(term_ids=sa.func.array_remove(Mention.term_ids, term.id))
    )
    await uow.session.delete(term)


async def matcher(uow: UnitOfWork, workspace_id: uuid.UUID) -> TermMatcher:
    rows = await uow.session.execute(
        sa.select(TrackedTerm.id, TrackedTerm.term, TrackedTerm.synonyms).where(
            TrackedTerm.workspace_id == workspace_id
        )
    )
    return matcher_for(tuple((str(ident), (term, *synonyms)) for ident, term, synonyms in rows))


# -- ingestion ------------------------------------------------------------------------------


def row_problems(rows: Sequence[MentionIn], now: datetime) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        if not EARLIEST <= row.posted_at <= now + FUTURE_SLACK:
            errors.append(
                FieldError(
                    ("body", "mentions", index, "posted_at"),
                    "outside 2000-01-01 .. now: sources report what was posted",
                    "posted_out_of_range",
                )
            )
    return errors


_COLUMNS = (
    "id",
    "platform",
    "external_id",
    "author_handle",
    "author_followers",
    "text",
    "url",
    "posted_at",
    "language",
    "language_given",
    "sentiment",
    "sentiment_label",
    "sentiment_source",
)
#: What the source says about a mention: a repeat that changes none of it is no update.
_SOURCE_FIELDS = ("author_handle", "author_followers", "text", "url", "posted_at")
_UPSERT = sa.text(
    f"""
    INSERT INTO mentions (workspace_id, batch_id, status, needs_response, version,
                          created_at, updated_at, {", ".join(_COLUMNS)})
    SELECT :workspace, :batch, 'new', false, 1, :now, :now, u.*
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
        id uuid, platform varchar, external_id varchar, author_handle varchar,
        author_followers bigint, text text, url text, posted_at timestamptz,
        language varchar, language_given boolean, sentiment float8,
        sentiment_label varchar, sentiment_source varchar)
    ON CONFLICT (workspace_id, platform, external_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _SOURCE_FIELDS)},
        language = CASE WHEN EXCLUDED.language_given THEN EXCLUDED.language
                        WHEN mentions.text = EXCLUDED.text AND NOT mentions.language_given
                        THEN mentions.language END,
        language_given = EXCLUDED.language_given,
        sentiment = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL THEN EXCLUDED.sentiment
                         WHEN mentions.sentiment_source = 'analyser'
                              AND mentions.text = EXCLUDED.text THEN mentions.sentiment END,
        sentiment_label = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL
                               THEN EXCLUDED.sentiment_label
                               WHEN mentions.sentiment_source = 'analyser'
                                    AND mentions.text = EXCLUDED.text
                               THEN mentions.sentiment_label END,
        sentiment_source = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL
                                THEN EXCLUDED.sentiment_source
                                WHEN mentions.sentiment_source = 'analyser'
                                     AND mentions.text = EXCLUDED.text
                                THEN mentions.sentiment_source END,
        batch_id = EXCLUDED.batch_id, analysed_at = NULL, updated_at = EXCLUDED.updated_at,
        version = mentions.version + 1
    WHERE ({", ".join(f"mentions.{c}" for c in (*_SOURCE_FIELDS, "language_given"))},
           CASE WHEN mentions.sentiment_source = 'source' THEN mentions.sentiment END,
           CASE WHEN mentions.language_given THEN mentions.language END)
          IS DISTINCT FROM
          ({", ".join(f"EXCLUDED.{c}" for c in (*_SOURCE_FIELDS, "language_given"))},
           EXCLUDED.sentiment, EXCLUDED.language)
    RETURNING (xmax = 0) AS inserted
    """
)


def _record(row: MentionIn) -> dict[str, Any]:
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
    uow: UnitOfWork, workspace_id: uuid.UUID, body: MentionBatch, now: datetime
) -> IngestBatch:
    """All or nothing; the mentions are upserted in the request's transaction, so the
    `202` means stored, and the recorded analysis job scores and evaluates them.

    A repeat of (platform, external_id) replaces what the source said, keeps the team's
    workflow fields, and is analysed again only if it changed; inside one batch the last
    one wins."""
    rows = body.mentions
    errors = row_problems(rows, now)
    if errors:
        raise ValidationFailed(errors)
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
            _UPSERT,
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
        job = uow.enqueue(ANALYSE_JOB, workspace_id=workspace_id, batch_id=str(batch.id))
        batch.job_id = job.id
    else:  # every mention was already stored as is: nothing to analyse
        batch.status = IngestStatus.succeeded
        batch.finished_at = now
    await uow.session.flush()
    return batch


# -- analysis (worker) -------------------------------------------------------------------------


#: A mention to analyse: id, text, language or None, the source's sentiment or None.
Row = tuple[uuid.UUID, str, str | None, float | None]


@dataclass(frozen=True, slots=True)
class Analysed:
    id: str
    language: Language
    sentiment: float
    label: SentimentLabel
    source: SentimentSource
    term_ids: list[str]
    hashtags: list[str]
    is_question: bool
    search_text: str


def analyse_rows(rows: Sequence[Row], terms: TermMatcher) -> list[Analysed]:
    """Pure: (id, text, language or None, source sentiment or None) -> what the analysis
    stores. The source's score is kept when given (LIS-2); the others are scored in one
    batch per language, which the model does far faster than one by one."""
    read = [terms.read(text) for _, text, _, _ in rows]  # (term ids, text without them)
    unscored = [
        (masked, language)
        for (_, _, language, sentiment), (_, masked) in zip(rows, read, strict=True)
        if sentiment is None
    ]
    scored = iter(
        analyse_many(
            [masked for masked, _ in unscored],
            [Language(language) if language else None for _, language in unscored],
        )
    )
    done: list[Analysed] = []
    for (ident, text, language, sentiment), (term_ids, masked) in zip(rows, read, strict=True):
        if sentiment is None:
            result = next(scored)
            lang, score, source = result.language, result.sentiment, SentimentSource.analyser
        else:
            lang = Language(language) if language else detect(masked)
            score, source = sentiment, SentimentSource.source
        done.append(
            Analysed(
                id=str(ident),
                language=lang,
                sentiment=score,
                label=label(score),
                source=source,
                term_ids=term_ids,
                hashtags=list(dict.fromkeys(hashtags(text))),
                is_question="?" in _LINKS.sub(" ", text),
                search_text=fold(text),
            )
        )
    return done


#: The batch's rows locked in key order first, as the ingestion's upsert locks them.
_LOCK = sa.text(
    """
    SELECT 1 FROM mentions
    WHERE workspace_id = :workspace AND batch_id = :batch AND analysed_at IS NULL
    ORDER BY platform, external_id FOR UPDATE
    """
)
_STORE = sa.text(
    """
    UPDATE mentions m SET language = u.language, sentiment = u.sentiment,
        sentiment_label = u.label, sentiment_source = u.source, term_ids = u.term_ids,
        hashtags = u.hashtags, is_question = u.is_question, search_text = u.search_text,
        analysed_at = :now
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
        id uuid, language varchar, sentiment float8, label varchar, source varchar,
        term_ids uuid[], hashtags text[], is_question boolean, search_text text)
    WHERE m.id = u.id AND m.workspace_id = :workspace AND m.batch_id = :batch
    """
)


#: Runs `analyse_rows`, here or elsewhere (the worker's process pool).
RowAnalyser = Callable[[Sequence[Row], TermMatcher], Awaitable[list[Analysed]]]


async def analyse_here(rows: Sequence[Row], terms: TermMatcher) -> list[Analysed]:
    return analyse_rows(rows, terms)


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
        await matcher(uow, workspace_id),
    )
    seconds = time.perf_counter() - started
    if done:
        payload = json.dumps(
            [
                {
                    "id": a.id,
                    "language": a.language.value,
                    "sentiment": a.sentiment,
                    "label": a.label.value,
                    "source": a.source.value,
                    "term_ids": a.term_ids,
                    "hashtags": a.hashtags,
                    "is_question": a.is_question,
                    "search_text": a.search_text,
                }
                for a in done
            ]
        )
        await session.execute(_LOCK, {"workspace": workspace_id, "batch": batch_id})
        await session.execute(
            _STORE, {"rows": payload, "now": now, "workspace": workspace_id, "batch": batch_id}
        )
    batch.status = IngestStatus.succeeded
    batch.finished_at = now
    await session.flush()
    by_source = {source: sum(1 for a in done if a.source == source) for source in SentimentSource}
    return BatchAnalysis(by_source, seconds)


# -- reading and the workflow ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionFilters:
    term_id: uuid.UUID | None = None
    sentiment: SentimentLabel | None = None
    status: MentionStatus | None = None
    platform: Platform | None = None
    language: Language | None = None
    start: datetime | None = None
    end: datetime | None = None
    q: str | None = None
    #: KPI-6's "needs a response" (`reports.needs_response_clause`), or its complement.
    needs_response: bool | None = None
    #: Only these mentions (another workspace's are simply absent).
    ids: tuple[uuid.UUID, ...] | None = None


def _like(text: str) -> str:
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_mentions(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    filters: MentionFilters,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Mention]:
    m = Mention
    stmt = mentions(uow).select(workspace_id)
    if filters.term_id is not None:
        stmt = stmt.where(m.term_ids.contains([filters.term_id]))
    if filters.sentiment is not None:
        stmt = stmt.where(m.sentiment_label == filters.sentiment)
    if filters.status is not None:
        stmt = stmt.where(m.status == filters.status)
    if filters.platform is not None:
        stmt = stmt.where(m.platform == filters.platform)
    if filters.language is not None:
        stmt = stmt.where(m.language == filters.language)
    if filters.start is not None:
        stmt = stmt.where(m.posted_at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(m.posted_at < filters.end)
    if filters.q:
        stmt = stmt.where(m.search_text.like(_like(filters.q), escape="\\"))
    if filters.needs_response is not None:
        needs = needs_response_clause(m)
        stmt = stmt.where(needs if filters.needs_response else sa.not_(needs))
    if filters.ids is not None:
        stmt = stmt.where(m.id.in_(filters.ids))
    return await paginate(uow.session, stmt, Mention, limit, cursor)


async def update(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    mention_id: uuid.UUID,
    body: MentionUpdate,
    expected_version: int | None,
    now: datetime,
) -> Mention:
    mention = await mentions(uow).get(workspace_id, mention_id, lock=True)
    check_version(mention, expected_version)
    changes = body.changes()
    target = changes.pop("status", None)
    for field, value in changes.items():
        setattr(mention, field, value)
    if target is None and "assignee" in changes and mention.status == MentionStatus.new:
        target = MentionStatus.assigned if mention.assignee else None
    if target is not None and target != mention.status:
        if target not in TRANSITIONS[mention.status]:
            raise InvalidTransition(
                "mention", mention.status, target, sorted(TRANSITIONS[mention.status])
            )
        mention.status = target
        if target == MentionStatus.responded and mention.responded_at is None:
            mention.responded_at = now
    await uow.session.flush()
    return mention
