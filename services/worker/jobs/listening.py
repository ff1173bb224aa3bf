"""The mention analysis job, and the worker's listening metrics."""

from __future__ import annotations

import uuid

from prometheus_client import Counter, Histogram

from services.worker.context import WorkerContext
from services.worker.crisis import evaluate_workspace
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.listening import ingestion
from shared.listening.analysis import analyse_here
from shared.listening.jobs import AnalyseMentions

MENTIONS_SCORED = Counter(
    "smm_mentions_analysed_total", "Mentions analysed by the worker", ["sentiment_source"]
)
ANALYSIS_SECONDS = Histogram(
    "smm_mention_analysis_seconds", "Scoring, detection and matching time per batch"
)


async def analyse_mentions(
    uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, job: AnalyseMentions
) -> None:
    """Score, detect, match, then evaluate the workspace's policies at once (CRI-2): the
    alert a batch tips commits with the batch's analysis."""
    workspace = workspace_id
    analyse = wc.analysis.analyse if wc.analysis else analyse_here
    done = await ingestion.analyse_batch(uow, workspace, job.batch_id, utcnow(), analyse)
    if done is None:  # a replay: the batch was analysed already
        return
    ANALYSIS_SECONDS.observe(done.seconds)
    for source, count in done.by_source.items():
        MENTIONS_SCORED.labels(source.value).inc(count)
    if done.analysed:
        await evaluate_workspace(uow, workspace)
