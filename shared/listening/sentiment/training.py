"""Rebuilds the shipped weights from the corpora the manifest names (`smm sentiment train`).

Reproducible: the corpora are checked against the manifest's checksums, the dev split is
a hash of each text (the same posts are held out whatever the files' order), and the fit
is deterministic. The dev split never reaches the shipped weights, so the figures stored
with them are held-out figures. Needs scikit-learn (a dev dependency): scoring does not.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.listening.sentiment import signals
from shared.listening.sentiment.features import features, normalise, tokens
from shared.listening.sentiment.model import CLASSES, LanguageModel, save
from shared.listening.text import fold

_WORD = re.compile(r"[^\W_]+")
MANIFEST = Path(__file__).with_name("weights") / "manifest.json"
_ROOT = Path(__file__).resolve().parents[3]


def default_search() -> list[Path]:
    """Where the corpora are looked for: `$SMM_CORPORA` (paths separated by ":"), the
    checkout's `.data/corpora`, and the team's `shared/sentiment` beside the checkout."""
    given = [Path(p) for p in os.environ.get("SMM_CORPORA", "").split(":") if p]
    return [*given, _ROOT / ".data" / "corpora", _ROOT.parent / "shared" / "sentiment"]


@dataclass(frozen=True, slots=True)
class Post:
    text: str
    label: str
    source: str = ""


class CorpusError(Exception):
    """A corpus is missing or is not the one the manifest names."""


def read_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return manifest


def find(name: str, manifest: dict[str, Any], search: Sequence[Path]) -> Path:
    """The corpus file, checked against the manifest's sha256."""
    entry = manifest["corpora"][name]
    if "package" in entry:
        search = [_package_dir(entry["package"])]
    for folder in search:
        path: Path = folder / str(entry["file"])
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != entry["sha256"]:
                raise CorpusError(f"{path}: sha256 {digest}, the manifest says {entry['sha256']}")
            return path
    where = ", ".join(str(f) for f in search)
    raise CorpusError(f"{entry['file']} not found in {where}; how to obtain it: {entry['obtain']}")


def read_posts(path: Path) -> list[Post]:
    rows = (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())
    return [Post(row["text"], row["label"], row.get("source", "")) for row in rows]


def _key(text: str) -> str:
    """What two copies of a post share: corpora hold the same tweet with its handles, links,
    case or punctuation written differently, and a copy on each side of the split would
    flatter the held-out figures."""
    return " ".join(_WORD.findall(fold(normalise(text))))


def is_dev(text: str, fraction: float) -> bool:
    """Held out by a hash of the post: stable across runs, file orders and machines."""
    digest = hashlib.sha256(_key(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") < fraction * 2**32


def split(posts: Iterable[Post], fraction: float) -> tuple[list[Post], list[Post]]:
    train: list[Post] = []
    dev: list[Post] = []
    seen: set[str] = set()
    for post in posts:
        key = _key(post.text)
        if key in seen:
            continue
        seen.add(key)
        (dev if is_dev(post.text, fraction) else train).append(post)
    return train, dev


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise CorpusError(f"the {name} package is missing: `uv sync` installs it")
    return Path(str(next(iter(spec.submodule_search_locations))))


def read_lexicon(path: Path) -> dict[str, float]:
    """A VADER-format lexicon ("term->valence" or "term<TAB>valence", -4..4) as single
    folded words with a valence in [-1, 1]; where folding merges words, the mean."""
    found: dict[str, list[float]] = {}
    for line in path.read_text("utf-8").splitlines():
        term, _, rest = line.partition("->") if "->" in line else line.partition("\t")
        try:
            valence = float(rest.split("\t")[0])
        except ValueError:
            continue
        word = fold(term.strip())
        if word and " " not in word and valence:
            found.setdefault(word, []).append(max(-1.0, min(1.0, valence / 4)))
    return {word: sum(v) / len(v) for word, v in found.items()}


def fit(
    language: str,
    posts: Sequence[Post],
    lexicon: dict[str, float],
    c: float,
    min_df: int,
    balanced: bool = False,
) -> LanguageModel:
    """`balanced` weighs each class as if the classes were equally frequent: macro-F1
    counts them equally, and a public test set's mix need not be the training set's."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=lambda text: features(text, language), min_df=min_df, sublinear_tf=True
    )
    texts = [p.text for p in posts]
    sparse = vectorizer.fit_transform(texts)
    dense = dense_signals(language, texts, lexicon)
    classifier = LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced" if balanced else None
    )
    classifier.fit(hstack([sparse, csr_matrix(dense)]).tocsr(), [p.label for p in posts])
    assert tuple(classifier.classes_) == CLASSES
    vocabulary = {str(name): int(i) for name, i in vectorizer.vocabulary_.items()}
    model = LanguageModel(
        language=language,
        vocabulary=vocabulary,
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        weights=np.asarray(classifier.coef_.T, dtype=np.float64),
        bias=np.asarray(classifier.intercept_, dtype=np.float64),
        signal_names=signals.NAMES,
        lexicon=lexicon,
    )
    # Scoring re-implements the vectoriser with numpy: it must agree with scikit-learn.
    sample = texts[:: max(1, len(texts) // 500)]
    expected = classifier.predict_proba(
        hstack([vectorizer.transform(sample), csr_matrix(dense_signals(language, sample, lexicon))])
    )
    drift = float(np.abs(model.probabilities(sample) - expected).max())
    if drift > 1e-9:
        raise AssertionError(f"scoring drifts from scikit-learn by {drift}")
    return model


def dense_signals(language: str, texts: Sequence[str], lexicon: dict[str, float]) -> Any:
    return np.array(
        [signals.compute(t, tokens(t, language), language, lexicon) for t in texts],
        dtype=np.float64,
    )


def train(search: Sequence[Path], out: Path, manifest_path: Path = MANIFEST) -> dict[str, Any]:
    """Fits every language the manifest lists and writes the artifact; returns its
    metadata, held-out figures included."""
    from shared.listening.evaluation import score_labels

    manifest = read_manifest(manifest_path)
    models = []
    figures: dict[str, Any] = {}
    for language, recipe in manifest["languages"].items():
        posts: list[Post] = []
        for name in recipe["corpora"]:
            posts.extend(read_posts(find(name, manifest, search)))
        train_posts, dev_posts = split(posts, recipe["dev_fraction"])
        lexicon: dict[str, float] = {}
        for name in recipe.get("lexicons", []):
            lexicon |= read_lexicon(find(name, manifest, search))
        model = fit(
            language,
            train_posts,
            lexicon,
            recipe["C"],
            recipe["min_df"],
            recipe.get("balanced", False),
        )
        models.append(model)
        predicted = [CLASSES[i] for i in model.probabilities([p.text for p in dev_posts]).argmax(1)]
        held_out = score_labels([p.label for p in dev_posts], predicted)
        figures[language] = {
            "train": len(train_posts),
            "dev": len(dev_posts),
            "dev_macro_f1": round(held_out.macro_f1, 4),
            "features": len(model.vocabulary),
        }
    metadata = {
        "version": manifest["version"],
        "languages": list(manifest["languages"]),
        "corpora": {name: entry["sha256"] for name, entry in manifest["corpora"].items()},
        "held_out": figures,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    save(out, models, metadata)
    return metadata
