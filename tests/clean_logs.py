"""F6: what no log line may hold. Every test's captured logs (stderr, where structlog
prints, and the standard library's records) and every worker process's log file are
read against these patterns; a line that matches fails the test that logged it."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Each kind of leak, by what gives it away. The key and secret bodies are the shapes
#: `shared.workspaces.service.new_key` and `shared.webhooks.signing.generate_secret` make.
LEAKS: dict[str, str] = {
    "bound SQL parameters": r"\[parameters: ",
    "a row's values (PostgreSQL DETAIL)": r"DETAIL:  |Failing row contains",
    "an input value quoted by the database": r"invalid input (?:syntax|value) for",
    "an input value quoted by pydantic": r"input_value=",
    "an API key": r"smm_[A-Za-z0-9_-]{43}",
    "a webhook signing secret": r"whsec_[A-Za-z0-9+/]{40,}",
    # From the start of a word only: a long word is scanned once, not once per letter.
    "an email address": (
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
    ),
    "a phone number": r"\+\d{1,3}(?:[ ().-]*\d){6,}",
}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KINDS = list(LEAKS)
_PATTERN = re.compile("|".join(f"(?P<leak{i}>{regex})" for i, regex in enumerate(LEAKS.values())))


def leaks(text: str, secrets: Iterable[str] = ()) -> list[str]:
    """`kind: line` for each leak in `text` (colours removed); `secrets` are the session's
    own (operator token, secrets key), leaks wherever they appear."""
    text = _ANSI.sub("", text)
    found = [
        f"{_KINDS[int((match.lastgroup or 'leak0')[4:])]}: {_line(text, match.start())}"
        for match in _PATTERN.finditer(text)
    ]
    for secret in secrets:
        at = text.find(secret)
        if at >= 0:
            found.append(f"a secret of the test session: {_line(text, at)}")
    return found


def _line(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[text.rfind("\n", 0, at) + 1 : end if end >= 0 else None][:300]
