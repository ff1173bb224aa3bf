"""content_items.first_reported_at: an item never marked published books its production
cost at its first reported snapshot (issue 17), placed where the KPI reads place it
(shared/kpis/days.py). Backfilled from the stored snapshots. A day starting at midnight
UTC now reports under its UTC date in a zone west of UTC (it used to fall on the local day
before): the rollups of the workspaces holding such days are rebuilt by a queued
`kpis.rebuild`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: shared/kpis/days.py's position of a snapshot `m` in its workspace `w`'s zone, as of
#: this revision: a day that does not start at local midnight, and whose local date is not
#: the UTC date of its middle, is placed at that date's local midnight.
LOCAL = "timezone(w.timezone, m.period_start)"
REPORTED = "(timezone('UTC', m.period_start) + interval '12 hours')::date"
SHIFTED = (
    f"m.granularity = 'day' AND {LOCAL} <> date_trunc('day', {LOCAL})"
    f" AND {REPORTED} <> {LOCAL}::date"
)
POSITION = (
    f"CASE WHEN {SHIFTED} THEN timezone(w.timezone, {REPORTED}::timestamp) ELSE m.period_start END"
)


def upgrade() -> None:
    op.add_column(
        "content_items", sa.Column("first_reported_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        f"""
        UPDATE content_items c SET first_reported_at = f.first
        FROM (
            SELECT m.content_item_id, min({POSITION}) AS first
            FROM metric_snapshots m JOIN workspaces w ON w.id = m.workspace_id
            WHERE m.content_item_id IS NOT NULL
            GROUP BY m.content_item_id
        ) f
        WHERE c.id = f.content_item_id
        """
    )
    _rebuild_shifted()


def downgrade() -> None:
    _rebuild_shifted()  # back to each day's local date at its start
    op.drop_column("content_items", "first_reported_at")


def _rebuild_shifted() -> None:
    """Queue `kpis.rebuild` for the workspaces holding days whose rollup bucket moves;
    recorded pending, the jobs are sent by the worker's sweep."""
    op.execute(
        f"""
        INSERT INTO jobs (id, workspace_id, name, args, status, attempts, created_at)
        SELECT gen_random_uuid(), w.id, 'kpis.rebuild', '{{}}'::jsonb, 'pending', 0, now()
        FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM metric_snapshots m WHERE m.workspace_id = w.id AND {SHIFTED})
        """
    )
