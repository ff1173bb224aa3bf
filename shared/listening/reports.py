"""KPI-5 share of voice and KPI-6 responsiveness: SQL counts, pure formulas; and what
"needs a response" means, for KPI-6 and the inbox (`GET /v1/mentions?needs_response=`)."""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import aliased

from shared.db.uow import UnitOfWork
from shared.listening.models import Mention, TermKind
from shared.listening.sentiment import Language, SentimentLabel
from shared.social_accounts.models import Platform


class ResponseReason(enum.StrEnum):
    """Why a mention needs a response (KPI-6)."""

    negative = "negative"  # sentiment_label is negative
    question = "question"  # the text asks something (is_question)
    flagged = "flagged"  # a person set needs_response


#: The one definition of "needs a response", read in SQL by KPI-6 and the mentions list
#: (`needs_response_clause`) and in Python by the read model (`response_reasons`): each
#: reason is a mention column holding a value. Only analysed mentions are judged, as KPI-6
#: counts only those; a mention's status does not matter (an answered one still needed a
#: response: it is the response rate's denominator).
_REASONS: dict[ResponseReason, tuple[str, object]] = {
    ResponseReason.negative: ("sentiment_label", SentimentLabel.negative),
    ResponseReason.question: ("is_question", True),
    ResponseReason.flagged: ("needs_response", True),
}


def needs_response_clause(m: type[Mention]) -> sa.ColumnElement[bool]:
    """SQL: the mention (`Mention` or an alias of it) needs a response. Never NULL, so
    `NOT` of it is exactly the other mentions."""
    return sa.and_(
        m.analysed_at.is_not(None),
        sa.or_(
            *(getattr(m, column).is_not_distinct_from(value) for column, value in _REASONS.values())
        ),
    )


class Judged(Protocol):
    """What `response_reasons` reads of a mention (the ORM row or its read model)."""

    @property
    def analysed_at(self) -> datetime | None: ...


def response_reasons(mention: Judged) -> list[ResponseReason]:
    """Python: why a loaded mention needs a response, in `ResponseReason` order; empty
    when it needs none."""
    if mention.analysed_at is None:
        return []
    return [
        reason for reason, (column, value) in _REASONS.items() if getattr(mention, column) == value
    ]


@dataclass(frozen=True, slots=True)
class MentionScope:
    workspace_id: uuid.UUID
    start: datetime | None = None
    end: datetime | None = None
    platform: Platform | None = None
    language: Language | None = None

    def where(self) -> tuple[str, dict[str, object]]:
        clauses = ["m.workspace_id = :workspace", "m.analysed_at IS NOT NULL"]
        params: dict[str, object] = {"workspace": self.workspace_id}
        if self.start is not None:
            clauses.append("m.posted_at >= :start")
            params["start"] = self.start
        if self.end is not None:
            clauses.append("m.posted_at < :end")
            params["end"] = self.end
        if self.platform is not None:
            clauses.append("m.platform = :platform")
            params["platform"] = self.platform.value
        if self.language is not None:
            clauses.append("m.language = :language")
            params["language"] = self.language.value
        return " AND ".join(clauses), params


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def net_sentiment(positive: int, negative: int, total: int) -> float | None:
    """KPI-5: (positive - negative) / total."""
    return round((positive - negative) / total, 6) if total else None


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), on sorted values."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


class TermVoice(BaseModel):
    term_id: uuid.UUID
    term: str
    kind: TermKind
    mentions: int
    share: float | None = Field(description="Of all mentions of tracked terms in the period.")
    positive: int
    neutral: int
    negative: int
    net_sentiment: float | None


class KindVoice(BaseModel):
    mentions: int = Field(description="Mentions naming at least one term of this kind.")
    share: float | None = Field(description="Of brand + competitor mentions.")


class ShareOfVoice(BaseModel):
    from_: datetime | None = Field(alias="from")
    to: datetime | None
    brand: KindVoice
    competitors: KindVoice
    brand_net_sentiment: float | None = Field(
        description="(positive - negative) / total over the brand's mentions."
    )
    terms: list[TermVoice]


_VOICE = """
    SELECT t.id, t.term, t.kind, count(m.id),
           count(m.id) FILTER (WHERE m.sentiment_label = 'positive'),
           count(m.id) FILTER (WHERE m.sentiment_label = 'neutral'),
           count(m.id) FILTER (WHERE m.sentiment_label = 'negative')
    FROM tracked_terms t
    LEFT JOIN mentions m
      ON m.workspace_id = t.workspace_id AND m.term_ids @> ARRAY[t.id] AND {where}
    WHERE t.workspace_id = :workspace
    GROUP BY t.id, t.term, t.kind, t.created_at
    ORDER BY count(m.id) DESC, t.created_at
"""
_KINDS = """
    SELECT k.kind, count(*),
           count(*) FILTER (WHERE m.sentiment_label = 'positive'),
           count(*) FILTER (WHERE m.sentiment_label = 'negative')
    FROM mentions m
    CROSS JOIN LATERAL (
        SELECT DISTINCT t.kind FROM tracked_terms t
        WHERE t.workspace_id = m.workspace_id AND t.id = ANY(m.term_ids)
    ) k
    WHERE {where}
    GROUP BY k.kind
"""


async def share_of_voice(uow: UnitOfWork, scope: MentionScope) -> ShareOfVoice:
    where, params = scope.where()
    terms = (await uow.session.execute(sa.text(_VOICE.format(where=where)), params)).all()
    total = sum(int(row[3]) for row in terms)
    kinds = {
        kind: (int(n), int(pos), int(neg))
        for kind, n, pos, neg in await uow.session.execute(
            sa.text(_KINDS.format(where=where)), params
        )
    }
    brand = kinds.get(TermKind.brand.value, (0, 0, 0))
    rivals = kinds.get(TermKind.competitor.value, (0, 0, 0))
    both = brand[0] + rivals[0]
    return ShareOfVoice.model_validate(
        {
            "from": scope.start,
            "to": scope.end,
            "brand": KindVoice(mentions=brand[0], share=share(brand[0], both)),
            "competitors": KindVoice(mentions=rivals[0], share=share(rivals[0], both)),
            "brand_net_sentiment": net_sentiment(brand[1], brand[2], brand[0]),
            "terms": [
                TermVoice(
                    term_id=ident,
                    term=term,
                    kind=TermKind(kind),
                    mentions=int(n),
                    share=share(int(n), total),
                    positive=int(pos),
                    neutral=int(neu),
                    negative=int(neg),
                    net_sentiment=net_sentiment(int(pos), int(neg), int(n)),
                )
                for ident, term, kind, n, pos, neu, neg in terms
            ],
        }
    )


class Responsiveness(BaseModel):
    from_: datetime | None = Field(alias="from")
    to: datetime | None
    needing_response: int = Field(
        description="Mentions that are negative, or questions, or marked needs_response: "
        "those `GET /v1/mentions?needs_response=true` lists, answered or not."
    )
    responded: int
    response_rate: float | None
    median_response_seconds: float | None = Field(
        description="posted_at to the first move to `responded`."
    )
    p90_response_seconds: float | None


async def responsiveness(uow: UnitOfWork, scope: MentionScope) -> Responsiveness:
    where, params = scope.where()
    m = aliased(Mention, name="m")
    needing = (
        sa.select(sa.func.count())
        .select_from(m)
        .where(sa.text(where).bindparams(**params), needs_response_clause(m))
    )
    delays = sorted(
        max(0.0, float(seconds))
        for seconds in await uow.session.scalars(
            needing.with_only_columns(sa.extract("epoch", m.responded_at - m.posted_at)).where(
                m.responded_at.is_not(None)
            )
        )
    )
    return response_figures(scope, int(await uow.session.scalar(needing) or 0), delays)


def response_figures(scope: MentionScope, needing: int, delays: Sequence[float]) -> Responsiveness:
    median, p90 = percentile(delays, 0.5), percentile(delays, 0.9)
    return Responsiveness.model_validate(
        {
            "from": scope.start,
            "to": scope.end,
            "needing_response": needing,
            "responded": len(delays),
            "response_rate": share(len(delays), needing),
            "median_response_seconds": None if median is None else round(median, 3),
            "p90_response_seconds": None if p90 is None else round(p90, 3),
        }
    )
