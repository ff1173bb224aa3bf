"""A VADER-style rule scorer (Hutto & Gilbert 2014) over any language's resources.

Pure and synchronous: `score(text, resources)` -> compound in [-1, 1]. The rules are
VADER's (boosters and dampeners within three words, negation within three words scaled
by -0.74, emphasis from capitals and "!", "but" weighting the clause after it, the sum
normalised by x / sqrt(x^2 + 15)), with what brand mentions add: idioms read before
their words, elongated words ("nuuuul") looked up squeezed and counted as emphasis,
social spellings rewritten, emoji rated, handles and links ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.listening.sentiment.features import EMOTICON_PATTERN, face
from shared.listening.text import fold

B_INCR = 0.293  # VADER's booster step
C_INCR = 0.733  # VADER's emphasis of a word in capitals
N_SCALAR = -0.74  # VADER's negation factor
ELONGATION = 0.45  # "nuuuul": less than capitals, more than nothing
EXCLAMATION = 0.292  # per "!", at most 4
ALPHA = 15  # VADER's normalisation constant
WINDOW = 3
#: Emoji that turn praise into its opposite.
SARCASM = frozenset({"🙄", "🙃", "🤡", "😒"})
SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
_PAUSE = SENTENCE_END | {",", ":"}

_LINK = re.compile(r"https?://\S+|www\.\S+|@\w+")
# An emoticon is one token (":-)", "<3"), not three punctuation marks.
_TOKEN = re.compile(
    rf"{EMOTICON_PATTERN}"
    r"|\d+/\d+|[^\W\d_](?:[^\W_]|-(?=[^\W\d_]))*|\d+|[^\w\s]",
    re.UNICODE,
)
_RUN3 = re.compile(r"(.)\1{2,}")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NT = re.compile(r"(\w)n't\b")


@dataclass(frozen=True, slots=True)
class Resources:
    """One language: every key folded (lower case, no accents)."""

    lexicon: Mapping[str, float]
    #: Forms matched only as written, accents included.
    exact: Mapping[str, float]
    negators: frozenset[str]
    boosters: Mapping[str, float]
    idioms: Mapping[tuple[str, ...], float]
    contrast: frozenset[str]
    slang: Mapping[str, tuple[str, ...]]
    emoji: Mapping[str, float]
    #: Prefixes and suffixes rated on their own, for hashtags ("#boycotteclat").
    affixes: Mapping[str, float]
    split_apostrophes: bool
    #: First word of an idiom -> the lengths of the idioms it starts, longest first: most
    #: words start none, and are looked up once.
    idiom_lengths: Mapping[str, tuple[int, ...]] = field(init=False)
    #: Raw token -> (folded word, elongated, slang rewrite): a stream repeats its words.
    spellings: dict[str, tuple[str, bool, tuple[str, ...] | None]] = field(
        init=False, default_factory=dict
    )

    def spelling(self, raw: str) -> tuple[str, bool, tuple[str, ...] | None]:
        found = self.spellings.get(raw)
        if found is None:
            word = fold(face(raw) or raw)
            elongated = False
            if word not in self.lexicon and _RUN3.search(word):
                word, elongated = _squeeze(word, self.lexicon), True
            found = (word, elongated, self.slang.get(word))
            if len(self.spellings) < 200_000:
                self.spellings[raw] = found
        return found

    def __post_init__(self) -> None:
        lengths: dict[str, set[int]] = {}
        for key in self.idioms:
            lengths.setdefault(key[0], set()).add(len(key))
        object.__setattr__(
            self,
            "idiom_lengths",
            {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()},
        )


@dataclass(slots=True)
class _Token:
    text: str  # folded
    caps: bool
    elongated: bool
    lower: str = ""  # as written, lower case


def tokens(text: str, resources: Resources) -> list[_Token]:
    text = _LINK.sub(" ", text.translate(_APOSTROPHES))
    if not resources.split_apostrophes:
        text = _NT.sub(r"\1 not", text)
    mixed_case = any(ch.islower() for ch in text) and any(ch.isupper() for ch in text)
    found: list[_Token] = []
    for raw in _TOKEN.findall(text):
        if raw in ("'", "#"):
            continue
        caps = mixed_case and len(raw) > 1 and raw.isupper()
        word, elongated, rewrite = resources.spelling(raw)
        if rewrite is not None:
            found.extend(_Token(part, caps, elongated, part) for part in rewrite)
        else:
            found.append(_Token(word, caps, elongated, raw.lower()))
    return found


def _squeeze(word: str, lexicon: Mapping[str, float]) -> str:
    """ "coooool" -> "cool", "nuuuul" -> "nul": runs squeezed to two, then to one."""
    double = _RUN3.sub(r"\1\1", word)
    if double in lexicon:
        return double
    single = _RUN3.sub(r"\1", word)
    return single if single in lexicon else double


def score(text: str, resources: Resources) -> float:
    """The compound score of a text, in [-1, 1]."""
    words = tokens(text, resources)
    lexicon, idioms, emoji = resources.lexicon, resources.idioms, resources.emoji
    valences: list[float] = []
    positions: list[int] = []
    consumed_until = -1
    for i, token in enumerate(words):
        if i <= consumed_until:
            continue
        valence: float | None = None
        span = 1
        for length in resources.idiom_lengths.get(token.text, ()):
            if i + length <= len(words):
                key = tuple(t.text for t in words[i : i + length])
                if key in idioms:
                    valence, span = idioms[key], length
                    break
        if valence is None:
            pictogram = emoji.get(token.text)
            if pictogram is not None:
                # "Still no reply :(": a face says how the writer feels; "no" does not
                # turn it around.
                valences.append(pictogram)
                positions.append(i)
                continue
            valence = resources.exact.get(token.lower)
            if valence is None:
                valence = lexicon.get(token.text)
            if valence is None and len(token.text) > 6:
                valence = _affix(token.text, resources.affixes)
            if valence is None:
                continue
            if token.text in resources.boosters and _next_is_rated(words, i, resources):
                continue  # "super nul": "super" boosts "nul", it is not praise itself
            if token.text in resources.negators:
                continue  # "no" negates what follows ("no regrets"); it is not a complaint
        consumed_until = i + span - 1
        if valence == 0:
            continue
        valence = _modified(valence, words, i, span, resources)
        valences.append(valence)
        positions.append(i)
    if not valences:
        return 0.0
    valences = _contrast(valences, positions, words, resources.contrast)
    total = sum(valences)
    if total > 0 and any(token.text in SARCASM for token in words):
        total = -total  # "Great timing right before rent 🙃": praise with an eye-roll
    bangs = min(text.count("!"), 4)
    if total and bangs:
        total += math.copysign(bangs * EXCLAMATION, total)
    return max(-1.0, min(1.0, total / math.sqrt(total * total + ALPHA)))


def _affix(word: str, affixes: Mapping[str, float]) -> float | None:
    for affix, valence in affixes.items():
        if word.startswith(affix) or word.endswith(affix):
            return valence
    return None


def _next_is_rated(words: list[_Token], i: int, resources: Resources) -> bool:
    following = words[i + 1 : i + 1 + WINDOW]
    return any(t.text in resources.lexicon or t.text in resources.emoji for t in following)


def _modified(
    valence: float, words: list[_Token], i: int, span: int, resources: Resources
) -> float:
    sign = 1.0 if valence > 0 else -1.0
    head = words[i]
    if head.caps:
        valence += sign * C_INCR
    if head.elongated:
        valence += sign * ELONGATION
    negated = False
    for distance in range(1, WINDOW + 1):
        if i - distance < 0:
            break
        before = words[i - distance].text
        if before in SENTENCE_END:
            break  # "Didn't expect that. Impressed.": a negation ends with its sentence
        boost = resources.boosters.get(before)
        if boost is not None:
            valence += sign * boost * (1.0 - 0.05 * (distance - 1))
        if before in resources.negators and words[i - distance + 1].text not in _PAUSE:
            negated = True  # but "I like, no, love it": a "no" set apart negates nothing
    if negated and span == 1:
        valence *= N_SCALAR
    return valence


def _ends_sentence(words: list[_Token], i: int) -> bool:
    """A contrast word closing its sentence ("Pricey. Worth it though") weighs nothing;
    one opening it ("However, the delivery was awful") is VADER's pivot."""
    return i + 1 == len(words) or words[i + 1].text in SENTENCE_END


def _contrast(
    valences: list[float], positions: list[int], words: list[_Token], contrast: frozenset[str]
) -> list[float]:
    """VADER's "but": what comes before it counts half, what comes after counts 1.5."""
    pivot = next(
        (
            i
            for i in range(len(words) - 1, -1, -1)
            if words[i].text in contrast and not _ends_sentence(words, i)
        ),
        None,
    )
    if pivot is None:
        return valences
    return [v * (0.5 if p < pivot else 1.5) for v, p in zip(valences, positions, strict=True)]
