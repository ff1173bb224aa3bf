from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, str_enum, utcnow


class JobStatus(enum.StrEnum):
    pending = "pending"  # committed; in the queue or about to be (re)sent by the sweeper
    done = "done"
    failed = "failed"


class Job(Base):
    """A job recorded in the transaction that asked for it; the queue is only a doorbell.

    The row id is the arq job id, so sending twice (post-commit hook and sweeper) queues
    the job once, and the job's own transaction marks the row `done` exactly once.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index(
            "ix_jobs_pending",
            "created_at",
            postgresql_where=sa.text("status = 'pending'"),
        ),
        # A workspace's jobs newest first (`GET /v1/jobs`), and its cascade on delete.
        sa.Index("ix_jobs_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.pending)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
