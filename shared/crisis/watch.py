"""The mentions a policy watches in one evaluation: its window and baseline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Scope:
    """The mentions a policy watches over one evaluation."""

    workspace_id: uuid.UUID
    term_ids: list[uuid.UUID]
    window_start: datetime
    baseline_start: datetime
    end: datetime

    def params(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace_id,
            "terms": self.term_ids,
            "start": self.window_start,
            "baseline_start": self.baseline_start,
            "end": self.end,
        }


#: The policy's mentions from the baseline's start to now; analysed ones only (a mention
#: has its terms and sentiment once analysed).
WATCHED = """
    FROM mentions
    WHERE workspace_id = :workspace AND posted_at >= :baseline_start AND posted_at < :end
      AND term_ids && CAST(:terms AS uuid[]) AND analysed_at IS NOT NULL
"""
