"""The platforms domain's jobs."""

from __future__ import annotations

import uuid

from shared.jobs.contract import JobArgs


class SyncAccount(JobArgs):
    """Pull a social account's insights from its platform (issue 21)."""

    NAME = "platforms.sync"

    account_id: uuid.UUID
