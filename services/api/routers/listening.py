"""Social listening (docs/contract.md, LIS-1..LIS-3): tracked terms, mentions, and the
listening reports (KPI-5 share of voice, KPI-6 responsiveness), which keep their `/v1/kpis`
URLs and tag."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response, status

from services.api.csv_output import (
    CSV_RESPONSE,
    CsvAsk,
    CsvAsked,
    CsvFormat,
    page_answer,
    report_answer,
)
from services.api.deps import (
    Cursor,
    EditorKey,
    Ids,
    IfMatch,
    Limit,
    UoW,
    ViewerKey,
    bulk_body,
    page_out,
    v1_router,
    with_etag,
)
from services.api.metrics import MENTIONS_INGESTED
from services.api.problems import BODY, CONFLICT, IDEMPOTENCY, NOT_FOUND, PRECONDITION
from shared.bulk import Bulk
from shared.db.base import utcnow
from shared.db.pagination import DEFAULT_LIMIT
from shared.errors import FieldError, ValidationFailed
from shared.jobs.work import IngestBatchRead
from shared.listening import inbox, ingestion, reports, sources, terms
from shared.listening.models import MentionStatus, TermKind
from shared.listening.reports import MentionScope, Responsiveness, ShareOfVoice, TermVoice
from shared.listening.schemas import (
    ListeningReportAccepted,
    ListeningReportIn,
    MentionBatch,
    MentionIn,
    MentionRead,
    MentionUpdate,
    TrackedTermCreate,
    TrackedTermRead,
)
from shared.listening.sentiment import Language, SentimentLabel
from shared.schemas import PRINTABLE, PageOut, Timestamp
from shared.social_accounts.models import Platform

terms_router = v1_router("/tracked-terms", "listening")
router = v1_router("/mentions", "listening")
sources_router = v1_router("/listening-reports", "listening")
reports_router = v1_router("/kpis", "kpis")
#: `GET /v1/mentions?ids=`: an alert's sample mentions (20) fit with room to spare.
MAX_IDS = 100


@terms_router.get("", response_model=PageOut[TrackedTermRead], summary="List tracked terms")
async def list_tracked_terms(
    uow: UoW,
    key: ViewerKey,
    kind: TermKind | None = None,
    ids: Ids = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[TrackedTermRead]:
    page = await terms.repository(uow).page(key.workspace_id, limit, cursor, ids=ids, kind=kind)
    return page_out(TrackedTermRead, page)


@terms_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TrackedTermRead,
    summary="Track a brand or competitor term (matched without case or accents)",
    responses={**CONFLICT, **IDEMPOTENCY},
)
async def create_tracked_term(
    body: TrackedTermCreate, uow: UoW, key: EditorKey, response: Response
) -> TrackedTermRead:
    term = await terms.create_term(uow, key.workspace_id, body)
    response.headers["Location"] = f"/v1/tracked-terms/{term.id}"
    return TrackedTermRead.model_validate(term)


@terms_router.get(
    "/{term_id}", response_model=TrackedTermRead, summary="Get a tracked term", responses=NOT_FOUND
)
async def get_tracked_term(term_id: uuid.UUID, uow: UoW, key: ViewerKey) -> TrackedTermRead:
    return TrackedTermRead.model_validate(
        await terms.repository(uow).get(key.workspace_id, term_id)
    )


@terms_router.delete(
    "/{term_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop tracking a term (mentions keep their text, lose the match)",
    responses=NOT_FOUND,
)
async def delete_tracked_term(term_id: uuid.UUID, uow: UoW, key: EditorKey) -> None:
    """Editors, who create terms, may delete them too (F10)."""
    await terms.delete_term(uow, key.workspace_id, term_id)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestBatchRead,
    summary="Ingest up to 5,000 mentions (stored at once, analysed and evaluated by the worker)",
    responses=IDEMPOTENCY,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/MentionBatch"}}
            },
        }
    },
)
async def ingest_mentions(
    request: Request, uow: UoW, key: EditorKey, response: Response
) -> IngestBatchRead:
    body = await bulk_body(request, MentionBatch, MentionIn)
    batch = await ingestion.ingest(uow, key.workspace_id, body, utcnow())
    inserted, updated = batch.inserted or 0, batch.updated or 0
    MENTIONS_INGESTED.labels("inserted").inc(inserted)
    MENTIONS_INGESTED.labels("updated").inc(updated)
    MENTIONS_INGESTED.labels("unchanged").inc(len(body.rows) - inserted - updated)
    response.headers["Location"] = f"/v1/ingest-batches/{batch.id}"
    return IngestBatchRead.model_validate(batch)


@router.get(
    "",
    response_model=PageOut[MentionRead],
    summary="List mentions (a page of them as CSV with `Accept: text/csv` or `?export=csv`)",
    responses=CSV_RESPONSE,
)
async def list_mentions(
    request: Request,
    uow: UoW,
    key: ViewerKey,
    asked: CsvAsked,
    term_id: uuid.UUID | None = None,
    sentiment: SentimentLabel | None = None,
    status: MentionStatus | None = None,
    platform: Platform | None = None,
    language: Language | None = None,
    start: Timestamp | None = Query(default=None, alias="from", description="posted_at >="),
    end: Timestamp | None = Query(default=None, alias="to", description="posted_at <"),
    q: str | None = Query(
        default=None,
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Text search, without case or accents.",
    ),
    needs_response: bool | None = Query(
        default=None,
        description="`true`: the mentions KPI-6 counts as needing a response (analysed, and "
        "negative, or a question, or flagged by a person with `needs_response`), whatever "
        "their status: add `status=` for the ones still to answer. `false`: every other "
        "mention, including those not analysed yet. `response_reasons` says why.",
    ),
    ids: list[uuid.UUID] | None = Query(
        default=None,
        max_length=MAX_IDS,
        description=f"Only these mentions, up to {MAX_IDS}: repeat the parameter "
        "(`ids=...&ids=...`), e.g. an alert's `sample_mention_ids`. Ids of no mention of "
        "this workspace are left out, not refused. Combines with the other filters; the "
        "page is still `limit` long (ask `limit=100` for all in one call).",
    ),
    sort: inbox.MentionSort = Query(
        default="created_at",
        description="`created_at` (the default: the order mentions arrived), `posted_at` "
        "(oldest first) or `-posted_at` (newest first). Ties go by `id`, in the same "
        "direction. A `cursor` continues only the sort it was made under (another's is a 422).",
    ),
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PageOut[MentionRead] | Response:
    filters = inbox.MentionFilters(
        term_id=term_id,
        sentiment=sentiment,
        status=status,
        platform=platform,
        language=language,
        start=start,
        end=end,
        q=q,
        needs_response=needs_response,
        ids=None if ids is None else tuple(ids),
    )
    page = await inbox.list_mentions(
        uow, key.workspace_id, filters, limit=limit, cursor=cursor, sort=sort
    )
    out = page_out(MentionRead, page)
    if (dialect := await asked.resolve(uow, key.workspace_id)) is not None:
        return page_answer(request, dialect, out, "mentions", MentionRead)
    return out


@router.get(
    "/{mention_id}", response_model=MentionRead, summary="Get a mention", responses=NOT_FOUND
)
async def get_mention(
    mention_id: uuid.UUID, uow: UoW, key: ViewerKey, response: Response
) -> MentionRead:
    mention = await inbox.mentions(uow).get(key.workspace_id, mention_id)
    with_etag(response, mention)
    return MentionRead.model_validate(mention)


@router.patch(
    "/{mention_id}",
    response_model=MentionRead,
    summary="Move a mention along the workflow: assign, respond, ignore, escalate",
    responses={**NOT_FOUND, **PRECONDITION, **BODY, **CONFLICT},
)
async def update_mention(
    mention_id: uuid.UUID,
    body: MentionUpdate,
    uow: UoW,
    key: EditorKey,
    version: IfMatch,
    response: Response,
) -> MentionRead:
    mention = await inbox.update(uow, key.workspace_id, mention_id, body, version, utcnow())
    with_etag(response, mention)
    return MentionRead.model_validate(mention)


@dataclass(frozen=True)
class MentionQuery:
    scope: MentionScope
    csv: CsvFormat | None


async def mention_query(
    uow: UoW,
    key: ViewerKey,
    asked: CsvAsked,
    start: Timestamp | None = Query(default=None, alias="from", description="posted_at >="),
    end: Timestamp | None = Query(default=None, alias="to", description="posted_at <"),
    platform: Platform | None = None,
    language: Language | None = None,
    format: Literal["csv"] | None = Query(
        default=None, deprecated=True, description="Deprecated alias of `export=csv`."
    ),
) -> MentionQuery:
    if start is not None and end is not None and end <= start:
        raise ValidationFailed([FieldError(("query", "to"), "must be after `from`", "range")])
    scope = MentionScope(key.workspace_id, start, end, platform, language)
    csv = CsvAsk(asked.wanted or format == "csv", asked.dialect, asked.header)
    return MentionQuery(scope, await csv.resolve(uow, key.workspace_id))


ReportFilters = Annotated[MentionQuery, Depends(mention_query)]


@reports_router.get(
    "/share-of-voice",
    response_model=ShareOfVoice,
    summary="Mentions per tracked term, brand vs competitors, and the brand's net sentiment",
    responses=CSV_RESPONSE,
)
async def get_share_of_voice(uow: UoW, query: ReportFilters) -> Response:
    result = await reports.share_of_voice(uow, query.scope)
    return report_answer(query.csv, result, result.terms, "share-of-voice", TermVoice)


@reports_router.get(
    "/responsiveness",
    response_model=Responsiveness,
    summary="Response rate and time to first response over mentions that need one",
    responses=CSV_RESPONSE,
)
async def get_responsiveness(uow: UoW, query: ReportFilters) -> Response:
    result = await reports.responsiveness(uow, query.scope)
    # The CSV line leaves out `from` and `to`, as every report's: the request holds them.
    return report_answer(
        query.csv, result, [result], "responsiveness", Responsiveness, omit=("from", "to")
    )


@sources_router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ListeningReportAccepted,
    summary="Ingest a listening source's response page as it returned it (X, YouTube, Reddit)",
    responses=IDEMPOTENCY,
)
async def ingest_listening_report(
    body: ListeningReportIn, uow: UoW, key: EditorKey, response: Response
) -> ListeningReportAccepted:
    try:
        page = sources.ADAPTERS[body.source](body.payload)
    except sources.SourceShapeError as exc:
        error = exc.field_error()
        located = FieldError(("body", "payload", *error.loc), error.msg, error.type)
        raise ValidationFailed([located]) from None
    batch = None
    if page.mentions:
        stored = await ingestion.ingest(
            uow, key.workspace_id, Bulk.whole("payload", page.mentions), utcnow()
        )
        response.headers["Location"] = f"/v1/ingest-batches/{stored.id}"
        batch = IngestBatchRead.model_validate(stored)
    return ListeningReportAccepted(
        source=body.source, mentions=len(page.mentions), next_page=page.next_page, batch=batch
    )
