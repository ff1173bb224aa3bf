"""Which of the two languages a post is in, when its source does not say."""

from __future__ import annotations

import re
from functools import cache

from shared.listening.sentiment.labels import Language
from shared.listening.text import fold

_SPLIT = re.compile(r"[^\w/]+")


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
        "ne",
        "mais",
        "ou",
        "tout",
        "cette",
        "ce",
        "ces",
        "aux",
        "chez",
        "aussi",
        "comme",
        "quand",
        "toujours",
        "bien",
        "encore",
        "suis",
        "sont",
        "ai",
        "ils",
        "moi",
        "ici",
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
        "does",
        "will",
        "would",
        "should",
        "could",
        "were",
        "been",
        "our",
        "their",
        "there",
        "about",
        "an",
        "if",
        "or",
        "but",
        "get",
        "got",
        "dont",
        "im",
        "ive",
    }
)


#: Links, handles and emoticons say nothing of the language ("@anonymous" is not French).
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\bhttp\b|@\w+|(?<!\w)(?:[:;=xX8][-']?[()\[\]DPpOo/\\|]|<3)(?!\w)"
)
#: A capitalised word inside a sentence is most often a name ("Does Maison Lumière ship
#: to Canada?"): its letters would vote for the brand's language, not the post's.
_NAME = re.compile(r"(?<=[\w,] )[A-ZÀ-Ý][\w'\u2019-]*")


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def detect(text: str) -> Language:
    """fr or en. Short posts defeat n-gram models, so function words vote first; the
    bundled py3langid model settles the rest, on the text without names and handles."""
    text = _NOISE.sub(" ", text)
    words = _SPLIT.split(fold(text))
    french = sum(word in _FRENCH_MARKERS for word in words)
    english = sum(word in _ENGLISH_MARKERS for word in words)
    if french != english and max(french, english) >= 2:
        return Language.fr if french > english else Language.en
    plain = _NAME.sub(" ", text).lower()
    if _letters(plain) * 2 < _letters(text):
        plain = text.lower()  # mostly capitals ("SERVICE CLIENT INEXISTANT"): no names
    code, _ = _identifier().classify(plain)  # type: ignore[attr-defined]
    return Language(code)
