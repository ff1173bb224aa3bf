"""Long-running work, shared by every domain that has some: the status a batch, a run or a
refresh goes through, and the accepted bulk batch (snapshots, mentions) with its answer.

A request that starts such work answers `202` with the resource; its recorded job moves
the status on, and a job that failed for good makes the resource `failed`
(`shared.jobs.service.failed_for_good`).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, str_enum, tenant_listing_index
from shared.schemas import ReadModel


class IngestStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class BatchKind(enum.StrEnum):
    metric_snapshots = "metric_snapshots"
    mentions = "mentions"


class IngestBatch(TenantOwned, Base):
    """One accepted bulk batch: snapshots (ING-3), staged in `ingest_rows` until the worker
    merges them, or mentions (LIS-1), stored at once and analysed by the worker."""

    __tablename__ = "ingest_batches"
    __table_args__ = (
        tenant_listing_index("ingest_batches"),
        sa.UniqueConstraint("seq", "workspace_id"),
    )

    #: Acceptance order: a later batch's values win over an earlier one's, whatever order
    #: the merges run in (retries, several workers).
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True))
    kind: Mapped[BatchKind] = mapped_column(
        str_enum(BatchKind), server_default=BatchKind.metric_snapshots.value
    )
    status: Mapped[IngestStatus] = mapped_column(str_enum(IngestStatus))
    row_count: Mapped[int] = mapped_column(sa.Integer)
    inserted: Mapped[int | None] = mapped_column(sa.Integer)
    updated: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.String(4000))
    finished_at: Mapped[datetime | None]
    #: The recorded merge job: a job that failed for good makes the batch `failed`.
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class IngestBatchRead(ReadModel):
    id: uuid.UUID
    kind: BatchKind = Field(description="What the batch carried: metric snapshots or mentions.")
    status: IngestStatus
    row_count: int
    inserted: int | None = Field(
        description="Snapshots or mentions created by this batch (snapshots: once merged)."
    )
    updated: int | None = Field(
        description="Snapshots or mentions whose values this batch changed; identical rows "
        "count in neither."
    )
    error: str | None
    created_at: datetime
    finished_at: datetime | None
