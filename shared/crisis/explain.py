"""CRI-3's `explanation` and sample mentions: why an alert fired, read at each step."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from shared.crisis.levels import Metrics
from shared.crisis.schemas import Author, Explanation, Share, Trend
from shared.crisis.watch import WATCHED, Scope
from shared.db.uow import UnitOfWork
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


def _shares(rows: Any, total: int) -> list[Share]:
    return [
        Share(key=str(key), mentions=int(n), negative=int(neg), share=round(n / total, 4))
        for key, n, neg in rows
        if total
    ]


async def explain(
    uow: UnitOfWork, scope: Scope, window_minutes: int, metrics: Metrics
) -> dict[str, Any]:
    session = uow.session
    params = scope.params()
    watched = WATCHED
    baseline_minutes = (scope.window_start - scope.baseline_start).total_seconds() / 60
    ratio = window_minutes / baseline_minutes if baseline_minutes else 0.0
    split = (
        "count(*) FILTER (WHERE posted_at >= :start) AS w, "
        "count(*) FILTER (WHERE posted_at < :start) AS b"
    )
    names = {
        str(ident): term
        for ident, term in await session.execute(
            sa.select(TrackedTerm.id, TrackedTerm.term).where(
                TrackedTerm.workspace_id == scope.workspace_id,
                TrackedTerm.id.in_(scope.term_ids),
            )
        )
    }
    terms = _trends(
        await session.execute(
            sa.text(
                f"SELECT t, {split} FROM (SELECT unnest(term_ids) AS t, posted_at {watched}) x "
                "WHERE t = ANY(CAST(:terms AS uuid[])) GROUP BY t ORDER BY w DESC LIMIT :top"
            ),
            {**params, "top": TOP},
        ),
        ratio,
        names,
    )
    tags = _trends(
        await session.execute(
            sa.text(
                f"SELECT h, {split} FROM (SELECT unnest(hashtags) AS h, posted_at {watched}) x "
                "GROUP BY h HAVING count(*) FILTER (WHERE posted_at >= :start) > 0"
            ),
            params,
        ),
        ratio,
    )
    # Rising most first; a hashtag never seen before rises most of all.
    tags.sort(key=lambda t: (-(t.lift if t.lift is not None else float("inf")), -t.mentions))
    authors = [
        Author(handle=handle, followers=int(followers), mentions=int(n), negative=int(neg))
        for handle, followers, n, neg in await session.execute(
            sa.text(
                "SELECT author_handle, max(author_followers), count(*), "
                "count(*) FILTER (WHERE sentiment_label = 'negative') "
                f"{watched} AND posted_at >= :start "
                "GROUP BY author_handle ORDER BY max(author_followers) DESC LIMIT :top"
            ),
            {**params, "top": TOP},
        )
    ]
    by = {}
    for column in ("platform", "language"):
        by[column] = _shares(
            await session.execute(
                sa.text(
                    f"SELECT coalesce({column}, 'unknown'), count(*), "
                    "count(*) FILTER (WHERE sentiment_label = 'negative') "
                    f"{watched} AND posted_at >= :start GROUP BY 1 ORDER BY 2 DESC"
                ),
                params,
            ),
            metrics.mention_count,
        )
    baseline_avg = await session.scalar(
        sa.text(f"SELECT avg(sentiment) {watched} AND posted_at < :start"), params
    )
    baseline_avg = None if baseline_avg is None else round(float(baseline_avg), 4)
    delta = (
        None
        if baseline_avg is None or metrics.avg_sentiment is None
        else round(metrics.avg_sentiment - baseline_avg, 4)
    )
    explanation = Explanation(
        terms=terms,
        hashtags=tags[:TOP],
        top_authors=authors,
        platforms=by["platform"],
        languages=by["language"],
        avg_sentiment=metrics.avg_sentiment,
        baseline_avg_sentiment=baseline_avg,
        sentiment_delta=delta,
        summary=summary(metrics, window_minutes, tags[:3], authors[:1], delta),
    )
    return explanation.model_dump(mode="json")


def summary(
    metrics: Metrics,
    window_minutes: int,
    tags: list[Trend],
    authors: list[Author],
    delta: float | None,
) -> str:
    """One sentence a person reads in a notification."""
    parts = [f"{metrics.mention_count} mentions in {window_minutes} min"]
    if metrics.volume_ratio is not None and metrics.expected_count is not None:
        parts[0] += f" ({metrics.volume_ratio:.1f}x the usual {metrics.expected_count:.0f})"
    if metrics.negative_share is not None:
        parts.append(f"{metrics.negative_share:.0%} negative")
    if delta is not None:
        parts.append(f"sentiment {delta:+.2f} vs baseline")
    if tags:
        rising = ", ".join(
            f"#{t.key} (new)" if t.lift is None else f"#{t.key} (x{t.lift:.1f})" for t in tags
        )
        parts.append(f"rising: {rising}")
    if authors:
        parts.append(f"top author {authors[0].handle} ({authors[0].followers:,} followers)")
    return "; ".join(parts)
