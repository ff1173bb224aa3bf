"""KPI-5 share of voice and KPI-6 responsiveness: SQL counts, pure formulas."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, Field

from shared.db.uow import UnitOfWork
from shared.listening.models import TermKind
from shared.listening.sentiment import Language
from shared.social_accounts.models import Platform


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
    LEFT JOIN mentions m ON m.term_ids @> ARRAY[t.id] AND {where}
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
        SELECT DISTINCT t.kind FROM tracked_terms t WHERE t.id = ANY(m.term_ids)
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
        description="Mentions that are negative, or questions, or marked needs_response."
    )
    responded: int
    response_rate: float | None
    median_response_seconds: float | None = Field(
        description="posted_at to the first move to `responded`."
    )
    p90_response_seconds: float | None


_NEEDING = """
    FROM mentions m
    WHERE {where}
      AND (m.sentiment_label = 'negative' OR m.is_question OR m.needs_response)
"""


async def responsiveness(uow: UnitOfWork, scope: MentionScope) -> Responsiveness:
    where, params = scope.where()
    needing = int(
        await uow.session.scalar(sa.text(f"SELECT count(*) {_NEEDING.format(where=where)}"), params)
        or 0
    )
    delays = sorted(
        max(0.0, float(seconds))
        for (seconds,) in await uow.session.execute(
            sa.text(
                "SELECT extract(epoch FROM m.responded_at - m.posted_at) "
                f"{_NEEDING.format(where=where)} AND m.responded_at IS NOT NULL"
            ),
            params,
        )
    )
    return response_figures(scope, needing, delays)


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
