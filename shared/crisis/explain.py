"""CRI-3's `explanation` and sample mentions: why an alert fired, read at each step."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.crisis.levels import Metrics
from shared.crisis.schemas import Author, Explanation, MentionShare, Trend
from shared.crisis.texts import SUMMARY
from shared.crisis.watch import WATCHED, Scope
from shared.db.uow import UnitOfWork
from shared.i18n import Language, number, percent
from shared.listening.models import TrackedTerm

SAMPLES = 20
TOP = 5


async def samples(uow: UnitOfWork, scope: Scope) -> list[uuid.UUID]:
    """The most negative first, then the most followed (CRI-3)."""
    rows = await uow.session.scalars(
        sa.text(
            f"SELECT id {WATCHED} AND posted_at >= :start "
            "ORDER BY sentiment ASC NULLS LAST, author_followers DESC, id LIMIT :limit"
        ),
        {**scope.params(), "limit": SAMPLES},
    )
    return list(rows)


#: Each group's mentions in the window (w) and in the baseline before it (b).
_SPLIT = (
    "count(*) FILTER (WHERE posted_at >= :start) AS w, "
    "count(*) FILTER (WHERE posted_at < :start) AS b"
)
_TERMS = sa.text(
    f"SELECT t, {_SPLIT} FROM (SELECT unnest(term_ids) AS t, posted_at {WATCHED}) x "
    "WHERE t = ANY(CAST(:terms AS uuid[])) GROUP BY t ORDER BY w DESC LIMIT :top"
)
_HASHTAGS = sa.text(
    f"SELECT h, {_SPLIT} FROM (SELECT unnest(hashtags) AS h, posted_at {WATCHED}) x "
    "GROUP BY h HAVING count(*) FILTER (WHERE posted_at >= :start) > 0"
)
_AUTHORS = sa.text(
    "SELECT author_handle, max(author_followers), count(*), "
    "count(*) FILTER (WHERE sentiment_label = 'negative') "
    f"{WATCHED} AND posted_at >= :start "
    "GROUP BY author_handle ORDER BY max(author_followers) DESC LIMIT :top"
)
_SHARES = {
    column: sa.text(
        f"SELECT coalesce({column}, 'unknown'), count(*), "
        "count(*) FILTER (WHERE sentiment_label = 'negative') "
        f"{WATCHED} AND posted_at >= :start GROUP BY 1 ORDER BY 2 DESC"
    )
    for column in ("platform", "language")
}
_BASELINE_SENTIMENT = sa.text(f"SELECT avg(sentiment) {WATCHED} AND posted_at < :start")


def _ratio(scope: Scope, window_minutes: int) -> float:
    """The window's length over the baseline's: what scales a baseline count to expect."""
    baseline_minutes = (scope.window_start - scope.baseline_start).total_seconds() / 60
    return window_minutes / baseline_minutes if baseline_minutes else 0.0


def _trends(rows: Any, ratio: float, names: dict[str, str] | None = None) -> list[Trend]:
    trends = []
    for key, window, baseline in rows:
        expected = baseline * ratio
        trends.append(
            Trend(
                key=names.get(str(key), str(key)) if names else str(key),
                mentions=int(window),
                expected=round(expected, 3),
                lift=round(window / expected, 3) if expected else None,
            )
        )
    return trends


def _rising(tags: list[Trend]) -> list[Trend]:
    """Rising most first; a hashtag never seen before rises most of all."""
    return sorted(
        tags, key=lambda t: (-(t.lift if t.lift is not None else float("inf")), -t.mentions)
    )


def _shares(rows: Any, total: int) -> list[MentionShare]:
    return [
        MentionShare(key=str(key), mentions=int(n), negative=int(neg), share=round(n / total, 4))
        for key, n, neg in rows
        if total
    ]


def _delta(avg: float | None, baseline_avg: float | None) -> float | None:
    return None if baseline_avg is None or avg is None else round(avg - baseline_avg, 4)


async def _term_trends(session: AsyncSession, scope: Scope, ratio: float) -> list[Trend]:
    """The policy's most mentioned terms, under the names people gave them."""
    names = {
        str(ident): term
        for ident, term in await session.execute(
            sa.select(TrackedTerm.id, TrackedTerm.term).where(
                TrackedTerm.workspace_id == scope.workspace_id,
                TrackedTerm.id.in_(scope.term_ids),
            )
        )
    }
    rows = await session.execute(_TERMS, {**scope.params(), "top": TOP})
    return _trends(rows, ratio, names)


async def _hashtag_trends(session: AsyncSession, scope: Scope, ratio: float) -> list[Trend]:
    return _rising(_trends(await session.execute(_HASHTAGS, scope.params()), ratio))


async def _top_authors(session: AsyncSession, scope: Scope) -> list[Author]:
    """The window's most followed authors."""
    rows = await session.execute(_AUTHORS, {**scope.params(), "top": TOP})
    return [
        Author(handle=handle, followers=int(followers), mentions=int(n), negative=int(neg))
        for handle, followers, n, neg in rows
    ]


async def _baseline_sentiment(session: AsyncSession, scope: Scope) -> float | None:
    average = await session.scalar(_BASELINE_SENTIMENT, scope.params())
    return None if average is None else round(float(average), 4)


async def explain(
    uow: UnitOfWork, scope: Scope, window_minutes: int, metrics: Metrics, language: Language
) -> dict[str, Any]:
    """CRI-3's explanation: what rose against the baseline, who spoke, where, how; its
    summary in the workspace's `language`."""
    session = uow.session
    ratio = _ratio(scope, window_minutes)
    terms = await _term_trends(session, scope, ratio)
    tags = await _hashtag_trends(session, scope, ratio)
    authors = await _top_authors(session, scope)
    by = {
        column: _shares(await session.execute(query, scope.params()), metrics.mention_count)
        for column, query in _SHARES.items()
    }
    baseline_avg = await _baseline_sentiment(session, scope)
    delta = _delta(metrics.avg_sentiment, baseline_avg)
    explanation = Explanation(
        terms=terms,
        hashtags=tags[:TOP],
        top_authors=authors,
        platforms=by["platform"],
        languages=by["language"],
        avg_sentiment=metrics.avg_sentiment,
        baseline_avg_sentiment=baseline_avg,
        sentiment_delta=delta,
        summary=summary(metrics, window_minutes, tags[:3], authors[:1], delta, language),
    )
    return explanation.model_dump(mode="json")


def summary(
    metrics: Metrics,
    window_minutes: int,
    tags: list[Trend],
    authors: list[Author],
    delta: float | None,
    language: Language = Language.en,
) -> str:
    """One sentence a person reads in a notification, in the workspace's language."""
    say = SUMMARY
    parts = [say["volume"](language, count=metrics.mention_count, minutes=window_minutes)]
    if metrics.volume_ratio is not None and metrics.expected_count is not None:
        parts[0] += say["usual"](
            language,
            ratio=number(metrics.volume_ratio, 1, language),
            expected=number(metrics.expected_count, 0, language),
        )
    if metrics.negative_share is not None:
        parts.append(say["negative"](language, share=percent(metrics.negative_share, language)))
    if delta is not None:
        parts.append(say["sentiment"](language, delta=number(delta, 2, language, sign=True)))
    if tags:
        rising = ", ".join(
            say["new-tag"](language, tag=t.key)
            if t.lift is None
            else say["lift-tag"](language, tag=t.key, lift=number(t.lift, 1, language))
            for t in tags
        )
        parts.append(say["rising"](language, tags=rising))
    if authors:
        parts.append(
            say["top-author"](
                language,
                handle=authors[0].handle,
                followers=number(authors[0].followers, 0, language),
            )
        )
    return say["separator"](language).join(parts)
