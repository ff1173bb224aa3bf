"""What the trained model reads of a post: its normalised tokens and their n-grams.

Pure functions, shared by training and scoring so the two cannot drift. A post becomes:
- word tokens, folded (lower case, no accents: French tweets drop them half the time),
  runs of three or more letters squeezed to two ("nuuuul" -> "nuul"), handles and links
  replaced by placeholders, ASCII emoticons ("<3", ":-(", "xD") kept whole and named;
- the words in a negation's scope marked ("pas bon" -> "bon" read as `~bon`), from the
  negator to the end of its clause, as in Pang & Lee's and Das & Chen's work;
- features: each word, each pair of neighbours, and each word's character n-grams
  (2..5, with word edges), which carry morphology and misspellings the words miss.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache

from shared.listening.text import fold

#: ASCII emoticons, longest first so ":-))" is one token; each maps to its name.
EMOTICONS: dict[str, str] = {
    **dict.fromkeys(
        [":-)", ":)", "(:", ":-]", ":]", "=)", ":o)", ":-))", ":))", ";-)", ";)", "^^", "^_^"],
        "<smile>",
    ),
    **dict.fromkeys([":-D", ":D", "xD", "XD", "=D", ":-P", ":P", ":p", ";P", ";p"], "<laugh>"),
    **dict.fromkeys(["<3", "<33", "<333"], "<heart>"),
    **dict.fromkeys(
        [":-(", ":(", "):", ":-[", ":[", "=(", ":((", ":'(", ":'-(", "T_T", ";(", "</3"],
        "<sad>",
    ),
    **dict.fromkeys([":/", ":-/", ":\\", ":-\\", ":s", ":S", ":|", ":-|", "-_-"], "<meh>"),
}
_FACES = "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True))
#: A face stands alone ("(:" inside "f(:x)" is none), or, when it starts with eyes,
#: follows anything ("Loved it:)"); a repeated mouth (":(((") is one face, and faces may follow
#: each other (":):)").
EMOTICON_PATTERN = rf"(?:(?<=\s)|^|(?=[:;=]))(?:{_FACES})(?:(?<=[()])[()]*)?(?=\s|$|[.,!?:;=<])"
#: What each emoticon's name is worth to the rules, on VADER's scale.
EMOTICON_VALENCE = {"<smile>": 2.0, "<laugh>": 2.3, "<heart>": 1.9, "<sad>": -1.9, "<meh>": -0.8}
_LINK = re.compile(r"https?://\S+|www\.\S+|\bhttp\b")
_HANDLE = re.compile(r"@\w+")
_TOKEN = re.compile(
    rf"{EMOTICON_PATTERN}"
    r"|<user>|<url>"
    r"|#?[^\W\d_](?:[^\W_]|['-](?=[^\W\d_]))*'?"
    r"|\d+(?:[.,]\d+)?"
    r"|!+|\?+|[^\w\s]",
    re.UNICODE,
)
_RUN3 = re.compile(r"(\w)\1{2,}")
_MOUTHS = re.compile(r"([()])\1+$")
_CLAUSE_END = frozenset({".", ",", ";", ":", "!", "?", "<url>"})
#: French words that negate only after "ne" ("le plus beau", "une personne adorable").
_AFTER_NE = frozenset({"plus", "personne"})
_NEGATORS = {
    "en": frozenset(
        {
            "not",
            "no",
            "never",
            "nothing",
            "nobody",
            "nowhere",
            "neither",
            "nor",
            "none",
            "cannot",
            "without",
            "dont",
            "doesnt",
            "didnt",
            "isnt",
            "wasnt",
            "arent",
            "werent",
            "wont",
            "cant",
            "couldnt",
            "shouldnt",
            "wouldnt",
            "aint",
            "havent",
            "hasnt",
            "hadnt",
        }
    ),
    "fr": frozenset(
        {"pas", "jamais", "rien", "plus", "aucun", "aucune", "personne", "ni", "sans", "guere"}
    ),
}


def normalise(text: str) -> str:
    """Entities decoded, links and handles replaced: they carry no sentiment, and each
    distinct one would be a feature of its own."""
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = _LINK.sub(" <url> ", text)
    return _HANDLE.sub(" <user> ", text)


def face(raw: str) -> str | None:
    """The emoticon a token is, as written in `EMOTICONS` (":(((" is ":("), or None."""
    if raw in EMOTICONS:
        return raw
    squeezed = _MOUTHS.sub(r"\1", raw)
    return squeezed if squeezed in EMOTICONS else None


@lru_cache(maxsize=200_000)
def _word(raw: str) -> str:
    found = face(raw)
    if found is not None:
        return EMOTICONS[found]
    word = fold(raw)
    if word.endswith("n't"):
        word = word[:-3] + "nt"
    return _RUN3.sub(r"\1\1", word)


def _split_elision(word: str) -> list[str]:
    """French elides with an apostrophe: "j'adore" is "j'" and "adore"."""
    head, mark, rest = word.partition("'")
    return [head + mark, *_split_elision(rest)] if mark and rest else [word]


def tokens(text: str, language: str) -> list[str]:
    """Folded tokens with negated words prefixed by `~`. An exclamation or question run is
    one token; "no" followed by a comma ("I like, no, love it") negates nothing."""
    words = [word for raw in _TOKEN.findall(normalise(text)) if (word := _word(raw))]
    if language == "fr":
        words = [part for word in words for part in _split_elision(word)]
    negators = _NEGATORS.get(language, _NEGATORS["en"])
    marked: list[str] = []
    negated = ne = False
    for i, word in enumerate(words):
        if word in _CLAUSE_END or word[0] in "!?":
            negated = ne = False
            marked.append(word)
            continue
        if word in ("ne", "n'"):
            ne = True
        if word in negators and (ne or word not in _AFTER_NE):
            following = words[i + 1] if i + 1 < len(words) else "."
            negated = following not in _CLAUSE_END and following[0] not in "!?"
            marked.append(word)
            continue
        marked.append("~" + word if negated else word)
    return marked


@lru_cache(maxsize=200_000)
def char_grams(word: str) -> tuple[str, ...]:
    """A word's character 2..5-grams with its edges (">bon<"): cached, since a stream
    repeats its words far more often than it coins new ones."""
    bare = word.lstrip("~#")
    if not bare[:1].isalnum():
        return ()
    padded = f">{bare}<"
    return tuple(padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1))


def features(text: str, language: str) -> Iterator[str]:
    """The features of a post, repeats kept (their counts are the term frequencies)."""
    words = tokens(text, language)
    previous = "<s>"
    for word in words:
        yield "w " + word
        yield "b " + previous + " " + word
        for gram in char_grams(word):
            yield "c " + gram
        previous = word
    if words:
        yield "b " + previous + " </s>"
