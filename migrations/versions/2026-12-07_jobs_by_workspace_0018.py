"""A workspace's jobs newest first (`GET /v1/jobs`, issue 20's operations page): the
index on `workspace_id` alone becomes (workspace_id, created_at, id), which also serves the
cascade of a workspace's deletion.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 07:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_jobs_workspace_id_created_at_id", "jobs", ["workspace_id", "created_at", "id"]
    )
    op.drop_index("ix_jobs_workspace_id", table_name="jobs")


def downgrade() -> None:
    op.create_index("ix_jobs_workspace_id", "jobs", ["workspace_id"])
    op.drop_index("ix_jobs_workspace_id_created_at_id", table_name="jobs")
