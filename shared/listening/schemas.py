from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, computed_field

from shared.jobs.work import IngestBatchRead
from shared.listening.models import MentionStatus, SentimentSource, TermKind
from shared.listening.reports import ResponseReason, response_reasons
from shared.listening.sentiment import Language, SentimentLabel
from shared.schemas import PRINTABLE, InputModel, JsonInt, ReadModel, RowTimestamp, UpdateModel
from shared.social_accounts.models import Platform

MAX_MENTIONS = 5_000

MAX_TERMS_PER_WORKSPACE = 200
"""Tracked terms a workspace may hold. With the two caps below, a workspace's matcher
reads at most 200 x 21 phrases of 100 characters: built in about a second in the worst
case (every character a token of its own), and matching stays linear in the text."""

MAX_SYNONYMS = 20
"""Synonyms (hashtags, handles, spellings) per tracked term."""

MAX_PHRASE_LENGTH = 100
"""Characters in a term or a synonym; brand names and hashtags are far shorter."""

Phrase = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PHRASE_LENGTH,
        # PRINTABLE, with at least one character that is not a space.
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f]"
        r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
    ),
]


class TrackedTermCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "term": "Maison Lumière",
                    "kind": "brand",
                    "synonyms": ["#maisonlumiere", "MLumiere"],
                }
            ]
        },
    )

    term: Phrase
    kind: TermKind
    synonyms: list[Phrase] = Field(default_factory=list, max_length=MAX_SYNONYMS)


class TrackedTermRead(ReadModel):
    id: uuid.UUID
    term: str
    kind: TermKind
    synonyms: list[str]
    created_at: datetime


class MentionIn(InputModel):
    """Validated in bulk from the raw JSON by pydantic-core (strict, like snapshots)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    platform: Platform
    external_id: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    author_handle: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    author_followers: Annotated[int, JsonInt(0, 10**12)] = 0
    text: str = Field(min_length=1, max_length=10_000, pattern=PRINTABLE)
    url: str | None = Field(
        default=None, max_length=2048, pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$"
    )
    posted_at: RowTimestamp
    language: Language | None = Field(default=None, description="Detected when absent.")
    sentiment: float | None = Field(
        default=None,
        ge=-1,
        le=1,
        allow_inf_nan=False,
        description="The source's score; when absent the built-in analyser scores the text.",
    )


class MentionBatch(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "mentions": [
                        {
                            "platform": "x",
                            "external_id": "1861234567890123456",
                            "author_handle": "@claire_b",
                            "author_followers": 1830,
                            "text": "Colis perdu depuis 10 jours et le SAV de @MaisonLumiere "
                            "ne répond pas. Franchement pas terrible 😡",
                            "url": "https://x.com/claire_b/status/1861234567890123456",
                            "posted_at": "2026-11-23T21:14:00Z",
                        }
                    ]
                }
            ]
        },
    )

    mentions: list[MentionIn] = Field(min_length=1, max_length=MAX_MENTIONS)


class MentionRead(ReadModel):
    id: uuid.UUID
    platform: Platform
    external_id: str
    author_handle: str
    author_followers: int
    text: str
    url: str | None
    posted_at: datetime
    language: Language | None = Field(description="Null until the mention is analysed.")
    sentiment: float | None = Field(description="-1..1; null until the mention is analysed.")
    sentiment_label: SentimentLabel | None
    sentiment_source: SentimentSource | None
    term_ids: list[uuid.UUID]
    hashtags: list[str]
    is_question: bool
    status: MentionStatus
    assignee: str | None
    needs_response: bool = Field(
        description="Flagged by a person (`PATCH`); once the mention is analysed, the "
        "`flagged` reason in `response_reasons`."
    )
    responded_at: datetime | None
    analysed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @computed_field(  # type: ignore[prop-decorator]
        description="Read-only. Why the mention needs a response, as KPI-6 and "
        "`GET /v1/mentions?needs_response=true` count it: `negative` (sentiment_label), "
        "`question` (is_question), `flagged` (needs_response set by a person). Empty when "
        "it needs none, and until it is analysed. Whatever the status: an answered mention "
        "keeps its reasons."
    )
    @property
    def response_reasons(self) -> list[ResponseReason]:
        return response_reasons(self)


class MentionUpdate(UpdateModel):
    """LIS-3. Assigning a `new` mention moves it to `assigned`."""

    NOT_NULL = frozenset({"status", "needs_response"})

    status: MentionStatus | None = None
    assignee: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    needs_response: StrictBool | None = None


class ListeningReportIn(InputModel):
    """A listening source's response page, exactly as the source returned it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "reddit_listing",
                    "payload": {
                        "kind": "Listing",
                        "data": {"after": None, "children": []},
                    },
                }
            ]
        },
    )

    source: Literal["x_recent_search", "youtube_comment_threads", "reddit_listing"] = Field(
        description="X API v2 recent search (with `expansions=author_id`), YouTube Data API "
        "commentThreads.list, or a Reddit listing (posts and comments)."
    )
    payload: dict[str, Any] = Field(description="The source's response body, as returned.")


class ListeningReportAccepted(ReadModel):
    source: str
    mentions: int = Field(description="Mentions read from the page.")
    next_page: str | None = Field(
        description="The source's token for the next page (X `next_token`, YouTube "
        "`nextPageToken`, Reddit `after`); null on the last page."
    )
    batch: IngestBatchRead | None = Field(description="Null when the page held no mention.")
