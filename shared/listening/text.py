"""Text folding and tracked-term matching (LIS-1): pure functions, no I/O.

A French brand is written "Éclat", "eclat", "ÉCLAT" or "#eclat": matching folds case
and accents on both sides and compares whole words, so "Orange" matches "orange!" and
"#Orange" but not "orangeade".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_HASHTAG = re.compile(r"#(\w+)")
_WORD_EDGE = r"(?<![\w])"
_WORD_END = r"(?![\w])"


@lru_cache(maxsize=65536)
def _fold_char_run(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case without accents ("Élodie L'ŒUVRE" -> "elodie l'oeuvre"); ASCII text
    (most of it) skips the Unicode decomposition."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered
    return _fold_char_run(lowered).replace("œ", "oe").replace("æ", "ae")


def hashtags(text: str) -> list[str]:
    """The folded hashtags of a text, without `#`, in order, repeats kept."""
    return [fold(tag) for tag in _HASHTAG.findall(text)]


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    phrases: Sequence[str]


class TermMatcher:
    """One compiled pattern for all of a workspace's terms and synonyms: a text is
    scanned once, whatever the number of terms."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._owner: dict[str, list[str]] = {}
        for term in terms:
            for phrase in term.phrases:
                key = _phrase_key(phrase)
                if key:
                    owners = self._owner.setdefault(key, [])
                    if term.id not in owners:
                        owners.append(term.id)
        # Longest first: "air france klm" wins over "air france" at the same position.
        alternatives = sorted(self._owner, key=len, reverse=True)
        self._pattern = (
            re.compile(
                _WORD_EDGE
                + "("
                + "|".join(_phrase_regex(key) for key in alternatives)
                + ")"
                + _WORD_END
            )
            if alternatives
            else None
        )

    def match(self, text: str) -> list[str]:
        """Ids of the terms a text mentions, in first-seen order, each once."""
        if self._pattern is None:
            return []
        found: list[str] = []
        for hit in self._pattern.findall(fold(text)):
            for owner in self._owner[_normal_spaces(hit)]:
                if owner not in found:
                    found.append(owner)
        return found

    def mask(self, text: str) -> str:
        """The text with the terms it names blanked out, for scoring: a brand's name says
        nothing of what is said about it ("Joy", "Happy Socks", or an unknown "#Orvane"
        that a model reads as news)."""
        if self._pattern is None:
            return text
        if text.isascii():
            folded, origin = text.lower(), None
        else:  # folding may change lengths ("…" -> "...", "ﬁ" -> "fi", "é" -> "e")
            folded, origin = _folded_with_origins(text)
        pieces: list[str] = []
        at = 0
        for hit in self._pattern.finditer(folded):
            start, end = hit.start(), hit.end()
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
                while end < len(text) and unicodedata.combining(text[end]):
                    end += 1
            pieces += [text[at:start], " "]
            at = end
        if not pieces:
            return text
        pieces.append(text[at:])
        return "".join(pieces)


def _folded_with_origins(text: str) -> tuple[str, list[int]]:
    """`fold(text)` character by character, with where in `text` each folded one came from."""
    parts: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch)
        parts.append(folded)
        origin.extend([i] * len(folded))
    return "".join(parts), origin


def _normal_spaces(text: str) -> str:
    return " ".join(text.replace("#", " ").replace("@", " ").split())


def _phrase_key(phrase: str) -> str:
    """`#Eclat`, `@eclat` and `Eclat` are one key: a hashtag or handle names the brand."""
    return _normal_spaces(fold(phrase.strip().lstrip("#@")))


def _phrase_regex(key: str) -> str:
    # Inside a phrase, any run of spaces matches; the phrase may be written as a
    # hashtag or handle ("#eclat", "@eclat").
    words = [re.escape(word) for word in key.split(" ")]
    return r"[#@]?" + r"\s+".join(words)
