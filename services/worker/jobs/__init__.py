"""The worker's job handlers, one per declared job."""

from __future__ import annotations

from typing import Any

from services.worker.jobs import attribution, kpis, listening, metrics, platforms, segments
from services.worker.registry import Registered, handles
from shared.attribution.jobs import RunAttribution
from shared.kpis.jobs import RebuildRollups
from shared.listening.jobs import AnalyseMentions
from shared.metrics.jobs import MergeSnapshots
from shared.platforms.jobs import SyncAccount
from shared.segments.jobs import RefreshSegment

HANDLERS: tuple[Registered[Any], ...] = (
    handles(MergeSnapshots, metrics.merge_snapshots),
    handles(AnalyseMentions, listening.analyse_mentions),
    handles(RunAttribution, attribution.run_attribution),
    handles(RefreshSegment, segments.refresh_segment),
    handles(RebuildRollups, kpis.rebuild_rollups),
    handles(SyncAccount, platforms.sync_account),
)
