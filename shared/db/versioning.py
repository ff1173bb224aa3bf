from __future__ import annotations

from shared.db.base import Versioned
from shared.errors import PreconditionFailed


def check_version(row: Versioned, expected: int | None) -> None:
    """If-Match (API-5): refuse to change a row the client has not seen in its latest state."""
    if expected is not None and row.version != expected:
        raise PreconditionFailed(
            f"the resource changed since you read it (your version {expected}, "
            f"current {row.version}): fetch it again and retry"
        )
