"""The trained sentiment model: a multinomial logistic regression over TF-IDF features
(`features.py`) and a few dense lexicon scores (`signals.py`), one per language.

Scoring needs numpy only. Training (scikit-learn, `training.py`) exports the fitted
vocabulary, idf and weights to one `.npz`; this module recomputes exactly what
scikit-learn's `TfidfVectorizer(sublinear_tf=True)` + `LogisticRegression` would, batch
by batch: a word's columns are looked up once and cached, since a stream of posts
repeats its words far more often than it coins new ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.listening.sentiment import signals
from shared.listening.sentiment.features import char_grams, tokens

Floats = npt.NDArray[np.float64]

#: The classes in the order of the weights' columns.
CLASSES = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class LanguageModel:
    language: str
    #: Feature string -> its column in `weights`.
    vocabulary: dict[str, int]
    idf: Floats
    #: (features + dense signals) x classes.
    weights: Floats
    bias: Floats
    #: The dense signals appended after the TF-IDF columns, by name (`signals.py`).
    signal_names: tuple[str, ...]
    #: Folded word -> valence in [-1, 1], for the lexicon signals.
    lexicon: dict[str, float]
    #: Word -> the columns of the word and its character n-grams, filled as words come.
    _known: dict[str, tuple[int, ...]] = field(init=False, repr=False, default_factory=dict)

    def _word_columns(self, word: str) -> tuple[int, ...]:
        vocabulary = self.vocabulary
        names = ["w " + word, *("c " + gram for gram in char_grams(word))]
        found = tuple(c for name in names if (c := vocabulary.get(name)) is not None)
        if len(self._known) < 500_000:
            self._known[word] = found
        return found

    def columns(self, words: Sequence[str]) -> list[int]:
        """The vocabulary columns a post's tokens hit, repeats kept (`features.features`)."""
        known, lookup = self._known.get, self.vocabulary.get
        found: list[int] = []
        previous = "<s>"
        for word in words:
            columns = known(word)
            found += self._word_columns(word) if columns is None else columns
            bigram = lookup(f"b {previous} {word}")
            if bigram is not None:
                found.append(bigram)
            previous = word
        if words:
            bigram = lookup(f"b {previous} </s>")
            if bigram is not None:
                found.append(bigram)
        return found

    def probabilities(self, texts: Sequence[str]) -> Floats:
        """P(negative, neutral, positive) for each text, as a (len(texts), 3) array."""
        n = len(texts)
        if n == 0:
            return np.zeros((0, len(CLASSES)))
        words = [tokens(text, self.language) for text in texts]
        per_doc = [self.columns(w) for w in words]
        lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=n)
        doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
        col = np.fromiter(chain.from_iterable(per_doc), dtype=np.int64, count=len(doc))
        # Term frequencies: each (doc, column) pair counted once.
        width = len(self.idf)
        pairs, counts = np.unique(doc * width + col, return_counts=True)
        pair_doc, pair_col = pairs // width, pairs % width
        values = (1.0 + np.log(counts)) * self.idf[pair_col]
        norms = np.sqrt(np.bincount(pair_doc, weights=values * values, minlength=n))
        values /= np.where(norms[pair_doc] > 0, norms[pair_doc], 1.0)
        weighted = values[:, None] * self.weights[pair_col]
        logits: Floats = np.column_stack(
            [
                np.bincount(pair_doc, weights=weighted[:, k], minlength=n)
                for k in range(len(CLASSES))
            ]
        )
        if self.signal_names:
            dense = np.array(
                [
                    signals.compute(text, w, self.language, self.lexicon)
                    for text, w in zip(texts, words, strict=True)
                ]
            )
            logits += dense @ self.weights[width:]
        logits += self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probabilities: Floats = exp / exp.sum(axis=1, keepdims=True)
        return probabilities


def save(path: Path, models: Sequence[LanguageModel], metadata: dict[str, Any]) -> None:
    arrays: dict[str, Any] = {"metadata": np.array(json.dumps(metadata, sort_keys=True))}
    for m in models:
        ordered = sorted(m.vocabulary, key=m.vocabulary.__getitem__)
        arrays[f"{m.language}.vocabulary"] = np.array(ordered)
        arrays[f"{m.language}.idf"] = m.idf.astype(np.float32)
        arrays[f"{m.language}.weights"] = m.weights.astype(np.float32)
        arrays[f"{m.language}.bias"] = m.bias
        arrays[f"{m.language}.signals"] = np.array(m.signal_names, dtype=str)
        arrays[f"{m.language}.lexicon_words"] = np.array(sorted(m.lexicon), dtype=str)
        arrays[f"{m.language}.lexicon_valences"] = np.array(
            [m.lexicon[w] for w in sorted(m.lexicon)], dtype=np.float32
        )
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)


def load(path: Path) -> tuple[dict[str, LanguageModel], dict[str, Any]]:
    """The models of every language in an artifact, and its metadata (no pickle)."""
    with np.load(path, allow_pickle=False) as archive:
        metadata: dict[str, Any] = json.loads(str(archive["metadata"]))
        models = {}
        for language in metadata["languages"]:
            vocabulary = archive[f"{language}.vocabulary"].tolist()
            models[language] = LanguageModel(
                language=language,
                vocabulary={name: i for i, name in enumerate(vocabulary)},
                idf=archive[f"{language}.idf"].astype(np.float64),
                weights=archive[f"{language}.weights"].astype(np.float64),
                bias=archive[f"{language}.bias"].astype(np.float64),
                signal_names=tuple(archive[f"{language}.signals"].tolist()),
                lexicon=dict(
                    zip(
                        archive[f"{language}.lexicon_words"].tolist(),
                        archive[f"{language}.lexicon_valences"].astype(np.float64).tolist(),
                        strict=True,
                    )
                ),
            )
    return models, metadata
