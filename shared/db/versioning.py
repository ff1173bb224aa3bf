from __future__ import annotations

from shared.db.base import Versioned
from shared.errors import DETAILS, PreconditionFailed


def check_version(row: Versioned, expected: int | None) -> None:
    """If-Match (API-5): refuse to change a row the client has not seen in its latest state."""
    if expected is not None and row.version != expected:
        raise PreconditionFailed(
            DETAILS["stale-version"].of(expected=expected, current=row.version)
        )
