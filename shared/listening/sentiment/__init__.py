"""The built-in analyser (LIS-2): French and English, offline, rule-based.

`analyse(text, language)` detects the language when it is not given (py3langid's bundled
model, restricted to the two we score) and returns the compound score and its label.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

from shared.listening.sentiment import lexicons
from shared.listening.sentiment.engine import Resources, score
from shared.listening.text import fold


class Language(enum.StrEnum):
    fr = "fr"
    en = "en"


class SentimentLabel(enum.StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


#: LIS-2: negative <= -0.05 < neutral < 0.05 <= positive.
THRESHOLD = 0.05


def label(sentiment: float) -> SentimentLabel:
    if sentiment <= -THRESHOLD:
        return SentimentLabel.negative
    if sentiment >= THRESHOLD:
        return SentimentLabel.positive
    return SentimentLabel.neutral


@dataclass(frozen=True, slots=True)
class Analysis:
    language: Language
    sentiment: float
    label: SentimentLabel


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
    return rated | {lexicons._bare_emoji(e): v for e, v in lexicons.EMOJI.items()}


def _single_words(pairs: dict[str, float]) -> dict[str, float]:
    """Entries of one token (an idiom of one token, "10/10", is a word)."""
    return {key[0]: value for key, value in _phrases(pairs).items() if len(key) == 1}


def _idioms(pairs: dict[str, float]) -> dict[tuple[str, ...], float]:
    return {key: value for key, value in _phrases(pairs).items() if len(key) > 1}


def _phrases(pairs: dict[str, float]) -> dict[tuple[str, ...], float]:
    return {key: value for text, value in pairs.items() if (key := _phrase(text))}


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


@cache
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages([language.value for language in Language])
    return identifier


#: Words that settle the language of a short post before the statistical model does.
_FRENCH_MARKERS = frozenset(
    {
        "le",
        "la",
        "les",
        "des",
        "est",
        "pas",
        "une",
        "je",
        "j",
        "c",
        "et",
        "du",
        "au",
        "trop",
        "tres",
        "vraiment",
        "merci",
        "nul",
        "avec",
        "pour",
        "qui",
        "que",
        "sur",
        "mon",
        "ma",
        "mes",
        "vous",
        "nous",
        "ça",
        "ca",
        "il",
        "elle",
        "on",
        "en",
        "d",
        "l",
        "qu",
        "n",
        "y",
    }
)
_ENGLISH_MARKERS = frozenset(
    {
        "the",
        "is",
        "and",
        "not",
        "my",
        "you",
        "your",
        "this",
        "that",
        "it",
        "i",
        "of",
        "to",
        "was",
        "with",
        "for",
        "so",
        "are",
        "have",
        "just",
        "at",
        "its",
        "they",
        "we",
        "me",
        "be",
        "can",
        "what",
        "why",
        "how",
        "thanks",
        "love",
        "from",
        "did",
        "do",
        "no",
    }
)


def detect(text: str) -> Language:
    """fr or en. Short posts defeat n-gram models, so function words vote first; the
    bundled py3langid model settles the rest."""
    words = _SPLIT.split(fold(text))
    french = sum(word in _FRENCH_MARKERS for word in words)
    english = sum(word in _ENGLISH_MARKERS for word in words)
    if french != english and max(french, english) >= 2:
        return Language.fr if french > english else Language.en
    code, _ = _identifier().classify(text)  # type: ignore[attr-defined]
    return Language(code)


def analyse(text: str, language: Language | None = None) -> Analysis:
    language = language or detect(text)
    compound = round(score(text, resources(language)), 4)
    return Analysis(language, compound, label(compound))
