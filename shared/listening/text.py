"""Text folding and tracked-term matching (LIS-1): pure functions, no I/O.

A French brand is written "Éclat", "eclat", "ÉCLAT" or "#eclat": matching folds case
and accents on both sides and compares whole words, so "Orange" matches "orange!" and
"#Orange" but not "orangeade".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate

from ahocorasick_rs import AhoCorasick, MatchKind

_HASHTAG = re.compile(r"#(\w+)")


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
    """All of a workspace's terms and synonyms in one Aho-Corasick automaton over word
    tokens: a text is tokenised once and read once, whatever the number of terms and
    however their phrases are written. No regular expression is built from user input,
    so nothing backtracks.

    The matches are the ones a word-bounded alternation of the phrases, longest first,
    would find: scanning from the left, at each place the longest phrase that starts
    there as whole words, then on after it. That is the automaton's leftmost-longest
    search (ahocorasick-rs, over the Rust `aho-corasick` crate). A "word" is a run of `\\w`
    characters; any other character that is not white space is a token of its own, so
    "coca-cola", "l'oreal" and "c++" are phrases like any other. The automaton reads one
    character per token: one code point for each token the phrases hold, and one for any
    other token, so a match starts and ends on token edges, which are word edges.

    The automaton is built on the first reading: a worker that sends a batch to its
    scoring processes sends the phrases, and never builds it itself.
    """

    def __init__(self, terms: Iterable[Term]) -> None:
        self._source = tuple((term.id, tuple(term.phrases)) for term in terms)

    @property
    def unbuilt_chars(self) -> int:
        """The length of the phrases while the automaton is not built yet (it is, on the
        first reading), else 0: what the first reading costs on top of the text's, for a
        caller choosing where to run it. A workspace at the caps has 420,000."""
        if "_automaton" in self.__dict__:
            return 0
        return sum(len(phrase) for _, phrases in self._source for phrase in phrases)

    @cached_property
    def _automaton(self) -> _Automaton:
        return _Automaton(self._source)

    def __reduce__(self) -> tuple[Callable[[TermSource], TermMatcher], tuple[TermSource]]:
        """Pickled as its phrases, which weigh less than the automaton: a scoring process
        builds it again, once per set of terms (`matcher_for` keeps the last few)."""
        return matcher_for, (self._source,)

    def match(self, text: str) -> list[str]:
        """Ids of the terms a text mentions, in first-seen order, each once."""
        return self.read(text)[0]

    def mask(self, text: str) -> str:
        """The text with the terms it names blanked out, for scoring: a brand's name says
        nothing of what is said about it ("Joy", "Happy Socks", or an unknown "#Orvane"
        that a model reads as news)."""
        return self.read(text)[1]

    def read(self, text: str) -> tuple[list[str], str]:
        """`match` and `mask` in one reading of the text."""
        return self._automaton.read(text)


class _Automaton:
    """The phrases of a `TermMatcher`, built for reading."""

    def __init__(self, source: TermSource) -> None:
        owner: dict[str, list[str]] = {}
        for ident, phrases in source:
            for phrase in phrases:
                key = _phrase_key(phrase)
                if key:
                    owners = owner.setdefault(key, [])
                    if ident not in owners:
                        owners.append(ident)
        self._owners: list[list[str]] = list(owner.values())
        self._codes: dict[str, str] = {}
        patterns = ["".join(map(self._code, _symbols(_TOKEN.findall(key)))) for key in owner]
        self._search = AhoCorasick(patterns, matchkind=MatchKind.LeftmostLongest)

    def _code(self, symbol: str) -> str:
        """The character the automaton reads for a token of a phrase. The caps (at most
        200 terms of 21 phrases of 100 characters) allow 420,000 distinct tokens, far
        fewer than there are code points outside the surrogates."""
        code = self._codes.get(symbol)
        if code is None:
            number = len(self._codes) + 1  # 0 is _OTHER
            code = self._codes[symbol] = chr(number if number < 0xD800 else number + 0x800)
        return code

    def read(self, text: str) -> tuple[list[str], str]:
        if not self._owners:
            return [], text
        if text.isascii():
            folded, origin = text.lower(), None
        else:  # folding may change lengths ("…" -> "...", "ﬁ" -> "fi", "é" -> "e")
            folded, origin = _folded_with_origins(text)
        found: dict[str, None] = {}
        pieces: list[str] = []
        at = 0
        for start, end, phrase in self._spans(folded):
            for owner in self._owners[phrase]:
                found.setdefault(owner)
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
                while end < len(text) and unicodedata.combining(text[end]):
                    end += 1
            pieces += [text[at:start], " "]
            at = end
        if not pieces:
            return [], text
        pieces.append(text[at:])
        return list(found), "".join(pieces)

    def _spans(self, folded: str) -> list[tuple[int, int, int]]:
        """(start, end, phrase index) of each match in `folded`, left to right. A hashtag
        or handle sign just before a phrase is part of its span."""
        tokens = _TOKEN.findall(folded)
        symbols = _symbols(tokens)
        codes = self._codes
        hits = self._search.find_matches_as_indexes(
            "".join([codes.get(symbol, _OTHER) for symbol in symbols])
        )
        if not hits:
            return []
        offsets = list(accumulate(map(len, tokens), initial=0))
        spans: list[tuple[int, int, int]] = []
        for phrase, first, end in hits:  # in tokens
            start = offsets[first]
            sign = symbols[first - 1] if first else ""
            if sign[:1] in ("#", "@") and sign[1] == "-":  # a sign that follows no word
                start -= 1
            spans.append((start, offsets[end], phrase))
        return spans


TermSource = tuple[tuple[str, tuple[str, ...]], ...]


@lru_cache(maxsize=8)
def matcher_for(source: TermSource) -> TermMatcher:
    """The matcher of (term id, phrases) pairs, built once for repeated batches of a
    workspace whose terms have not changed."""
    return TermMatcher(Term(ident, phrases) for ident, phrases in source)


# White space, a word, or any other single character: the tokens tile the text.
_TOKEN = re.compile(r"\s+|\w+|.", re.DOTALL)
#: What the automaton reads for a token that no phrase holds.
_OTHER = "\0"


def _is_word(token: str) -> bool:
    first = token[0]
    return first.isalnum() or first == "_"  # what `\w` is


def _symbols(tokens: Sequence[str]) -> list[str]:
    """What the automaton reads for each token: " " for any run of white space, a word as
    it is, and another character with two marks, whether a word touches it before and
    after. The marks make word boundaries part of the match: a phrase ending in "+" is
    read with "+" marked "no word after", so "c++" is found in "c++ !" but not in "c++11".
    """
    symbols = list(tokens)
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if token[0].isspace():
            symbols[i] = " "
        elif not _is_word(token):
            before = "w" if i and _is_word(tokens[i - 1]) else "-"
            after = "w" if i < last and _is_word(tokens[i + 1]) else "-"
            symbols[i] = token + before + after
    return symbols


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
