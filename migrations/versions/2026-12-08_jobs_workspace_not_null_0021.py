"""Every job is a workspace's (issue 22, the first distribution rule paid): `jobs.workspace_id`
NOT NULL. `uow.enqueue` always gave one, and the runner refused a job without it; such rows,
if any, could never run, and are deleted first.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM jobs WHERE workspace_id IS NULL")
    op.alter_column("jobs", "workspace_id", existing_type=sa.Uuid(), nullable=False)


def downgrade() -> None:
    op.alter_column("jobs", "workspace_id", existing_type=sa.Uuid(), nullable=True)
