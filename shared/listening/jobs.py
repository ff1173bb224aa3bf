"""The listening domain's jobs."""

from __future__ import annotations

import uuid

from shared.jobs.contract import JobArgs


class AnalyseMentions(JobArgs):
    """Score, detect and match an accepted batch of mentions, then evaluate the crisis
    policies of its workspace (CRI-2)."""

    NAME = "listening.analyse"

    batch_id: uuid.UUID
