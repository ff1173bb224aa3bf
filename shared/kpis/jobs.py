"""The KPI domain's jobs."""

from __future__ import annotations

from shared.jobs.contract import JobArgs


class RebuildRollups(JobArgs):
    """Rebuild a workspace's KPI rollups: its time zone changed, or content items moved
    between campaigns, formats or paid."""

    NAME = "kpis.rebuild"
