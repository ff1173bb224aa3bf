"""Dense signals the trained model weighs beside its n-grams: what the lexicon rules and a
word list say of a post. A few hundred labelled French tweets cannot teach every
sentiment word; a lexicon knows thousands, and the model learns how far to trust it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from shared.listening.sentiment import rules
from shared.listening.sentiment.labels import Language

NAMES = ("rules", "rules+", "rules-", "lexicon+", "lexicon-")
#: A negated word counts against its sign, at half weight ("pas génial" is not "nul").
NEGATED = -0.5


def compute(
    text: str, words: Sequence[str], language: str, lexicon: Mapping[str, float]
) -> list[float]:
    """The signals of one post, in `NAMES` order; `words` are its `features.tokens`."""
    compound = rules.compound(text, Language(language))
    positive = negative = 0.0
    if lexicon:
        for word in words:
            bare = word.lstrip("~#")
            valence = lexicon.get(bare)
            if valence is None:
                continue
            if word[0] == "~":
                valence *= NEGATED
            if valence > 0:
                positive += valence
            else:
                negative += valence
    return [
        compound,
        max(compound, 0.0),
        min(compound, 0.0),
        math.tanh(positive),
        math.tanh(negative),
    ]
