"""The languages the product writes in, and its texts as plain typed data.

A `Text` holds every language as a required field: a text without its French is a
`TypeError` at import and a mypy error, not an English sentence in a French report. Each
module keeps its own texts (one place per concern) and registers them with `catalog`, so a
test walks every catalog (tests/test_i18n.py). Identifiers (API fields, enum values,
problem `type`s) are never translated: only what a person reads.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar


class Language(enum.StrEnum):
    """A workspace's language: what the worker writes for its team (alert summaries,
    playbooks) and its reports' labels. French first: the first market is France."""

    fr = "fr"
    en = "en"


#: What a client that names no language we speak reads (RFC 9457 problems): English.
FALLBACK = Language.en


def language_of(locale: str) -> Language:
    """A BCP 47 locale's language: `fr-FR` is French, any other we accept English."""
    return Language.fr if locale.lower().split("-")[0] == "fr" else Language.en


@dataclass(frozen=True, slots=True)
class Text:
    """One text in every language, each a `str.format` template with the same fields.
    `same`: identical in both languages on purpose (a proper noun, a word both share)."""

    en: str
    fr: str
    same: bool = False

    def __call__(self, language: Language, /, **params: Any) -> str:
        return self.template(language).format(**_rendered(params, language))

    def template(self, language: Language) -> str:
        return self.fr if language is Language.fr else self.en

    def fields(self, language: Language) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.template(language)) if name}

    def of(self, **params: Any) -> Message:
        """The text with its parameters, to render later in the reader's language."""
        return Message(self, params)


@dataclass(frozen=True, slots=True)
class Message:
    """A text and its parameters, rendered once the language is known (a domain error is
    raised before anyone knows who reads it). A parameter may be a `Text` or `Message`
    itself (`NotFound`'s noun), rendered in the same language. `str()` is English, for
    logs and the CLI."""

    text: Text
    params: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, language: Language) -> str:
        return self.text(language, **self.params)

    def __str__(self) -> str:
        return self(Language.en)


@dataclass(frozen=True, slots=True)
class Grouped:
    """A whole number with its thousands grouped as the language writes them: `2,400` in
    English, `2 400` in French (a narrow no-break space)."""

    value: int

    def __call__(self, language: Language) -> str:
        text = f"{self.value:,}"
        return text.replace(",", "\u202f") if language is Language.fr else text


def number(value: float, places: int, language: Language, *, sign: bool = False) -> str:
    """A figure as the language writes it: `1,234.5` in English, `1 234,5` in French."""
    text = f"{value:{'+' if sign else ''},.{places}f}"
    if language is Language.fr:
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(share: float, language: Language) -> str:
    """A share as a whole percentage: `55%` in English, `55 %` in French."""
    whole = number(share * 100, 0, language)
    return f"{whole}\u202f%" if language is Language.fr else f"{whole}%"


def _rendered(params: Mapping[str, Any], language: Language) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Text | Message | Grouped):
            out[name] = value(language)
        else:
            out[name] = value
    return out


def render(value: str | Message, language: Language) -> str:
    """A message in the language, or a plain (untranslated) string as it is."""
    return value if isinstance(value, str) else value(language)


#: Every catalog by name: what tests/test_i18n.py walks.
CATALOGS: dict[str, Mapping[Any, Text]] = {}


K = TypeVar("K", bound=str)


def catalog(name: str, texts: Mapping[K, Text]) -> Mapping[K, Text]:
    """Registers a module's texts under `name` and gives them back."""
    if name in CATALOGS and CATALOGS[name] is not texts:
        raise ValueError(f"two catalogs are named {name!r}")
    CATALOGS[name] = texts
    return texts


def negotiate(accept_language: str | None) -> Language:
    """RFC 9110 `Accept-Language`: the language we speak with the highest quality (a
    range's primary subtag: `fr-CA` is French; `*` any, so our fallback); ties go to the
    first listed; `q=0` refuses. None we speak: English."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.lower().split("-")[0]
        if quality <= 0 or not primary:
            continue
        if primary == "*":
            language = FALLBACK
        elif primary in Language.__members__:
            language = Language(primary)
        else:
            continue
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, language)
    return FALLBACK if best is None else best[2]
