"""The lexicon rules (VADER's, `engine.py`) with each language's resources.

Once the whole analyser, now one signal the trained model weighs (`model.py`): the rules
know words the training posts never showed, and how negation and intensity move them.
"""

from __future__ import annotations

import re
from functools import cache

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

from shared.listening.sentiment import lexicons
from shared.listening.sentiment.engine import Resources, score
from shared.listening.sentiment.features import EMOTICON_VALENCE, EMOTICONS
from shared.listening.sentiment.labels import Language
from shared.listening.text import fold

_SPLIT = re.compile(r"[^\w/]+")


def _phrase(text: str) -> tuple[str, ...]:
    """A phrase's tokens as the scorer sees them ("couldn't be" -> could, not, be)."""
    text = re.sub(r"(\w)n't\b", r"\1 not", text.replace("\u2019", "'"))
    return tuple(part for part in _SPLIT.split(fold(text)) if part)


def _emoji() -> dict[str, float]:
    english = lexicons.vader_lexicon()
    rated: dict[str, float] = {}
    for emoji, description in lexicons.vader_emoji_descriptions().items():
        valence = sum(english.get(word, 0.0) for word in _phrase(description))
        if abs(valence) >= 0.5:
            rated[emoji] = max(-3.0, min(3.0, valence))
    emoticons = {fold(e): EMOTICON_VALENCE[name] for e, name in EMOTICONS.items()}
    return rated | {lexicons._bare_emoji(e): v for e, v in lexicons.EMOJI.items()} | emoticons


def _single_words(pairs: dict[str, float]) -> dict[str, float]:
    """Entries of one token (an idiom of one token, "10/10", is a word)."""
    return {key[0]: value for key, value in _phrases(pairs).items() if len(key) == 1}


def _idioms(pairs: dict[str, float]) -> dict[tuple[str, ...], float]:
    return {key: value for key, value in _phrases(pairs).items() if len(key) > 1}


def _phrases(pairs: dict[str, float]) -> dict[tuple[str, ...], float]:
    return {key: value for text, value in pairs.items() if (key := _phrase(text))}


def compound(text: str, language: Language) -> float:
    """The rules' compound score of a text, in [-1, 1]."""
    return score(text, resources(language))


@cache
def resources(language: Language) -> Resources:
    emoji = _emoji()
    if language == Language.en:
        boosters = {fold(k): (0.293 if v > 0 else -0.293) for k, v in BOOSTER_DICT.items()}
        return Resources(
            exact={},
            lexicon=lexicons.vader_lexicon()
            | _single_words(lexicons.ENGLISH)
            | _single_words(lexicons.ENGLISH_IDIOMS),
            negators=frozenset(fold(n) for n in NEGATE if "'" not in n) | {"not", "no", "zero"},
            boosters=_single_words(boosters),
            idioms=_idioms(lexicons.ENGLISH_IDIOMS),
            contrast=lexicons.ENGLISH_CONTRAST,
            slang={fold(k): _phrase(v) for k, v in lexicons.ENGLISH_SLANG.items()},
            emoji=emoji,
            affixes=lexicons.AFFIXES,
            split_apostrophes=False,
        )
    adjectives, exact = lexicons.pattern_french_adjectives()
    return Resources(
        exact=exact,
        lexicon=adjectives | _single_words(lexicons.FRENCH) | _single_words(lexicons.FRENCH_IDIOMS),
        negators=lexicons.FRENCH_NEGATORS,
        boosters=_single_words(lexicons.FRENCH_BOOSTERS),
        idioms=_idioms(lexicons.FRENCH_IDIOMS) | _idioms(lexicons.FRENCH),
        contrast=lexicons.FRENCH_CONTRAST,
        slang={fold(k): _phrase(v) for k, v in lexicons.FRENCH_SLANG.items()},
        emoji=emoji,
        affixes=lexicons.AFFIXES,
        split_apostrophes=True,
    )
