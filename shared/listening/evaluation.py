"""LIS-2's accuracy, measured: the analyser against the labelled posts in `data/sentiment`.

`<lang>.dev.jsonl` is what the lexicons were tuned on; `<lang>.test.jsonl` is held out,
and its figures are the ones reported (README) and floored by a test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.listening.sentiment import Language, SentimentLabel, analyse

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"


@dataclass(frozen=True, slots=True)
class ClassScore:
    label: SentimentLabel
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    language: Language
    split: str
    posts: int
    accuracy: float
    macro_f1: float
    language_accuracy: float
    classes: list[ClassScore]


def scores(gold: Sequence[SentimentLabel], predicted: Sequence[SentimentLabel]) -> list[ClassScore]:
    found = []
    for label in SentimentLabel:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        found.append(ClassScore(label, precision, recall, f1, tp + fn))
    return found


def evaluate(language: Language, split: str = "test", data: Path = DATA) -> Report:
    """The language is detected, as for a mention that does not give it."""
    rows = [
        json.loads(line)
        for line in (data / f"{language.value}.{split}.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    results = [analyse(row["text"]) for row in rows]
    gold = [SentimentLabel(row["label"]) for row in rows]
    predicted = [result.label for result in results]
    classes = scores(gold, predicted)
    return Report(
        language=language,
        split=split,
        posts=len(rows),
        accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(rows),
        macro_f1=sum(c.f1 for c in classes) / len(classes),
        language_accuracy=sum(r.language == language for r in results) / len(rows),
        classes=classes,
    )


def table(reports: Sequence[Report]) -> str:
    lines = [
        "| language | split | posts | accuracy | macro-F1 | F1 neg / neu / pos "
        "| language detected |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        f1s = " / ".join(f"{c.f1:.3f}" for c in r.classes)
        lines.append(
            f"| {r.language} | {r.split} | {r.posts} | {r.accuracy:.3f} | {r.macro_f1:.3f} "
            f"| {f1s} | {r.language_accuracy:.3f} |"
        )
    return "\n".join(lines)
