"""The built-in analyser (LIS-2): French and English, offline, trained on labelled posts.

`analyse_many(texts)` detects each post's language when it is not given, scores the
posts of each language in one batch with the trained model (`model.py`, weights in
`weights/`, loaded once per process) and returns a score in [-1, 1] whose label follows
LIS-2's thresholds. Why a linear model over n-grams and lexicon signals, and how it was
chosen: docs/sentiment.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from shared.listening.sentiment.labels import THRESHOLD, Language, SentimentLabel, label
from shared.listening.sentiment.language import detect
from shared.listening.sentiment.model import Floats, LanguageModel, load

__all__ = [
    "THRESHOLD",
    "Analysis",
    "Language",
    "SentimentLabel",
    "analyse",
    "analyse_many",
    "detect",
    "label",
    "polarity",
]

#: The shipped weights; `smm sentiment train` rebuilds them from the manifest's corpora.
ARTIFACT = Path(__file__).with_name("weights") / "sentiment.npz"


@dataclass(frozen=True, slots=True)
class Analysis:
    language: Language
    sentiment: float
    label: SentimentLabel


@cache
def shipped() -> tuple[dict[str, LanguageModel], dict[str, Any]]:
    """The shipped models and their metadata, read once per process."""
    return load(ARTIFACT)


def polarity(probabilities: Floats) -> float:
    """A score in [-1, 1] whose LIS-2 label is the model's most likely class: outside
    (-0.05, 0.05) by how much the winning pole beats the other, inside it when neutral."""
    negative, neutral, positive = (float(p) for p in probabilities)
    margin = positive - negative
    if positive > neutral and positive >= negative:
        return round(THRESHOLD + (1 - THRESHOLD) * margin, 4)
    if negative > neutral and negative > positive:
        return round(-THRESHOLD + (1 - THRESHOLD) * margin, 4)
    return round(margin * THRESHOLD * 0.98, 4)


def analyse_many(
    texts: Sequence[str], languages: Sequence[Language | None] | None = None
) -> list[Analysis]:
    """Every post scored, each language's posts in one batch."""
    detected = [
        given or detect(text)
        for text, given in zip(texts, languages or [None] * len(texts), strict=True)
    ]
    models, _ = shipped()
    scores = np.zeros(len(texts))
    for language in Language:
        at = [i for i, found in enumerate(detected) if found == language]
        if not at:
            continue
        probabilities = models[language.value].probabilities([texts[i] for i in at])
        for i, row in zip(at, probabilities, strict=True):
            scores[i] = polarity(row)
    return [
        Analysis(language, float(score), label(float(score)))
        for language, score in zip(detected, scores, strict=True)
    ]


def analyse(text: str, language: Language | None = None) -> Analysis:
    return analyse_many([text], [language])[0]
