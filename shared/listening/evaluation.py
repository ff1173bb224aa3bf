"""LIS-2's accuracy, measured: the analyser and stock VADER on the same labelled posts.

Sets: the held-out dev split of each training corpus (public human-labelled tweets; found
where `smm sentiment train` finds them), the posts in `data/sentiment` (written here,
one more check), and any JSONL file of `{"text", "label"}` given to `smm sentiment-eval`.
The language is detected, as for a mention that does not give it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shared.listening.sentiment import Language, SentimentLabel, analyse_many, label, training

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
LABELS = tuple(SentimentLabel)


@dataclass(frozen=True, slots=True)
class ClassScore:
    label: SentimentLabel
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Scores:
    posts: int
    accuracy: float
    macro_f1: float
    classes: list[ClassScore]
    #: confusion[gold][predicted], in `LABELS` order.
    confusion: list[list[int]]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    name: str
    language: Language
    texts: list[str]
    labels: list[SentimentLabel]


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    language: Language
    analyser: Scores
    vader: Scores
    language_accuracy: float


def score_labels(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    confusion = [[0] * len(LABELS) for _ in LABELS]
    index = {label.value: i for i, label in enumerate(LABELS)}
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g]][index[p]] += 1
    classes = []
    for i, name in enumerate(LABELS):
        tp = confusion[i][i]
        predicted_as = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / predicted_as if predicted_as else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassScore(name, precision, recall, f1, support))
    total = len(gold)
    return Scores(
        posts=total,
        accuracy=sum(confusion[i][i] for i in range(len(LABELS))) / total if total else 0.0,
        macro_f1=sum(c.f1 for c in classes) / len(classes),
        classes=classes,
        confusion=confusion,
    )


@cache
def _vader() -> object:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_label(text: str) -> SentimentLabel:
    """Stock VADER, as published: English lexicon, whatever the post's language."""
    return label(_vader().polarity_scores(text)["compound"])  # type: ignore[attr-defined]


def evaluate(labelled: LabelledSet) -> Report:
    results = analyse_many(labelled.texts)
    gold = [g.value for g in labelled.labels]
    return Report(
        name=labelled.name,
        language=labelled.language,
        analyser=score_labels(gold, [r.label.value for r in results]),
        vader=score_labels(gold, [vader_label(t).value for t in labelled.texts]),
        language_accuracy=(
            sum(r.language == labelled.language for r in results) / len(results) if results else 0.0
        ),
    )


def read_set(name: str, language: Language, path: Path) -> LabelledSet:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return LabelledSet(
        name,
        language,
        [row["text"] for row in rows],
        [SentimentLabel(row["label"]) for row in rows],
    )


def held_out_sets(search: Sequence[Path]) -> list[LabelledSet]:
    """Each training corpus's dev split, for the corpora found on this machine."""
    manifest = training.read_manifest()
    found = []
    for language, recipe in manifest["languages"].items():
        for name in recipe["corpora"]:
            try:
                path = training.find(name, manifest, search)
            except training.CorpusError:
                continue
            _, dev = training.split(training.read_posts(path), recipe["dev_fraction"])
            found.append(
                LabelledSet(
                    f"{name} (dev split)",
                    Language(language),
                    [p.text for p in dev],
                    [SentimentLabel(p.label) for p in dev],
                )
            )
    return found


def product_sets(data: Path = DATA) -> list[LabelledSet]:
    """The posts written here, every split of each language as one set."""
    sets = []
    for language in Language:
        texts: list[str] = []
        labels: list[SentimentLabel] = []
        for path in sorted(data.glob(f"{language.value}.*.jsonl")):
            part = read_set(path.name, language, path)
            texts += part.texts
            labels += part.labels
        sets.append(LabelledSet(f"data/sentiment/{language.value}", language, texts, labels))
    return sets


def table(reports: Sequence[Report]) -> str:
    lines = [
        "| set | lang | posts | macro-F1 | stock VADER | F1 neg / neu / pos "
        "| confusion (rows gold neg/neu/pos) | language detected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        f1s = " / ".join(f"{c.f1:.3f}" for c in r.analyser.classes)
        confusion = " · ".join(" ".join(str(n) for n in row) for row in r.analyser.confusion)
        lines.append(
            f"| {r.name} | {r.language} | {r.analyser.posts} | **{r.analyser.macro_f1:.3f}** "
            f"| {r.vader.macro_f1:.3f} | {f1s} | {confusion} | {r.language_accuracy:.3f} |"
        )
    return "\n".join(lines)
