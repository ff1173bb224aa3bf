"""Tracked terms at the caps a workspace may hold, in the probe's worst shape (issue 15 F1),
and tweets to read with them: what the matcher's tests and the worker's tests share."""

from __future__ import annotations

from shared.listening.schemas import MAX_PHRASE_LENGTH, MAX_SYNONYMS
from shared.listening.text import Term


def probe_terms(count: int) -> list[Term]:
    """`count` terms shaped like the probe's (issue 15 F1) at the caps: each with the most
    synonyms, of the longest length, that share a long prefix with `"a " * n`."""
    prefix = "a " * ((MAX_PHRASE_LENGTH - 6) // 2)
    return [
        Term(f"t{i}", [f"brand{i}", *(f"{prefix}z{i:03d}{j:02d}" for j in range(MAX_SYNONYMS))])
        for i in range(count)
    ]


TWEETS = [
    "Just tried the new brand7 latte and honestly it's amazing!! #coffee #brand7 https://t.co/x1",
    "Franchement, le service client de Brand12 est nul… 3 semaines sans réponse 😡 #déçu",
    "anyone else having issues with the brand150 app today? keeps crashing on login",
    "RT @someone: Éclat de rire devant la pub @brand3, trop drôle 😂😂",
]
