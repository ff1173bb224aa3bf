"""Mention analysis (LIS-2), pure: language, sentiment, matched terms, hashtags, question.

No I/O here, so the worker's processes can run it on parts of a batch
(`services/worker/analysis.py`); `ingestion.analyse_batch` reads and stores the rows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.listening.models import SentimentSource
from shared.listening.sentiment import Language, SentimentLabel, analyse_many, detect, label
from shared.listening.text import TermMatcher, fold, hashtags

_LINKS = re.compile(r"https?://\S+|www\.\S+")

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

    def record(self) -> dict[str, Any]:
        """As `statements.STORE_ANALYSIS` reads it."""
        return {
            "id": self.id,
            "language": self.language.value,
            "sentiment": self.sentiment,
            "label": self.label.value,
            "source": self.source.value,
            "term_ids": self.term_ids,
            "hashtags": self.hashtags,
            "is_question": self.is_question,
            "search_text": self.search_text,
        }


def analyse_rows(rows: Sequence[Row], terms: TermMatcher) -> list[Analysed]:
    """(id, text, language or None, source sentiment or None) -> what the analysis
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


#: Runs `analyse_rows`, here or elsewhere (the worker's process pool).
RowAnalyser = Callable[[Sequence[Row], TermMatcher], Awaitable[list[Analysed]]]


async def analyse_here(rows: Sequence[Row], terms: TermMatcher) -> list[Analysed]:
    return analyse_rows(rows, terms)
