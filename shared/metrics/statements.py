"""The SQL of metric snapshots: the merge of a staged batch into `metric_snapshots`,
set-based (a 10,000-row batch is a handful of statements, never a query per row), and
the keyset listing.

Every statement is static text with named parameters. Two fragments are spliced in as
constants, so that the statements which must agree on them cannot drift apart: `_STAGED`
(the batch's rows as the merge writes them) and `_STORED` (the lookup of a staged key's
stored row). The measure columns are written out; a unit test checks them against the
models.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from shared.metrics.models import Granularity, IngestRow, MetricSnapshot

#: Last row wins inside a batch (ING-3): the earlier rows of a key are dropped first.
#: A window over the batch, not a self-join: on a queue table the planner's row counts
#: are anyone's guess, and a nested-loop self-join of 10,000 rows is 10^8 comparisons.
DROP_SUPERSEDED = sa.text(
    """
    WITH earlier AS MATERIALIZED (
        SELECT seq FROM (
            SELECT seq, row_number() OVER (
                PARTITION BY coalesce(content_item_id, campaign_id), granularity,
                             period_start
                ORDER BY seq DESC
            ) AS rank
            FROM ingest_rows WHERE workspace_id = :workspace AND batch_id = :batch
        ) ranked
        WHERE rank > 1
    )
    DELETE FROM ingest_rows r USING earlier
    WHERE r.workspace_id = :workspace AND r.batch_id = :batch AND r.seq = earlier.seq
    """
)

#: The batch's rows (one per key once `DROP_SUPERSEDED` ran) with what the merge adds:
#: the target, and the content item's campaign, platform, format and paid flag.
_STAGED = """
    SELECT r.*, coalesce(r.content_item_id, r.campaign_id) AS target_id,
           coalesce(c.campaign_id, r.campaign_id) AS campaign_ref,
           c.platform, c.format, c.paid
    FROM ingest_rows r
    LEFT JOIN content_items c ON c.workspace_id = r.workspace_id AND c.id = r.content_item_id
    WHERE r.workspace_id = :workspace AND r.batch_id = :batch
"""

#: The stored row of each staged key `l`, looked up by key: `OFFSET 0` keeps it a nested
#: loop whatever the queue table's statistics say (estimated from a queue's ever-changing
#: contents, a join plan can read the workspace's partitions whole, or worse), and the
#: batch's time range prunes the partitions probed to its months.
_STORED = """
    CROSS JOIN LATERAL (
        SELECT * FROM metric_snapshots m
        WHERE m.workspace_id = :workspace AND m.target_id = l.target_id
          AND m.granularity = l.granularity AND m.period_start = l.period_start
          AND m.period_start BETWEEN :first AND :last
        OFFSET 0
    ) m
"""

#: Stored rows the merge will replace: what `MERGE`'s WHERE lets through. Rows of
#: `metric_snapshots`, for the rollups to take out. Read in the merge's own statement, it
#: sees them as they were before it; the bucket locks (`rollups.lock_buckets`) keep any
#: other writer off these keys, so it names exactly the rows `MERGE` overwrites.
REPLACED = sa.text(
    f"""
    SELECT m.* FROM ({_STAGED}) l
    {_STORED}
    WHERE m.batch_seq < :seq
      AND (m.impressions, m.reach, m.engagements, m.likes, m.comments, m.shares, m.saves,
           m.clicks, m.video_views, m.leads, m.conversions, m.spend, m.conversion_value,
           m.source, m.unreported, m.campaign_id, m.platform, m.format, m.paid)
          IS DISTINCT FROM
          (l.impressions, l.reach, l.engagements, l.likes, l.comments, l.shares, l.saves,
           l.clicks, l.video_views, l.leads, l.conversions, l.spend, l.conversion_value,
           l.source, l.unreported, l.campaign_ref, l.platform, l.format, l.paid)
    """
).columns(*MetricSnapshot.__table__.c)

#: One upsert of the staged rows: a row replaces the stored one only if its batch is
#: later and it changes something, so a replay writes nothing (ING-3). Returns the rows
#: inserted or really changed, as stored: the rollups add them up from there.
MERGE = sa.text(
    f"""
    INSERT INTO metric_snapshots (
        workspace_id, target_id, granularity, period_start, content_item_id,
        impressions, reach, engagements, likes, comments, shares, saves, clicks,
        video_views, leads, conversions, spend, conversion_value,
        source, unreported, campaign_id, platform, format, paid,
        batch_id, batch_seq, updated_at)
    SELECT :workspace, target_id, granularity, period_start, content_item_id,
           l.impressions, l.reach, l.engagements, l.likes, l.comments, l.shares, l.saves,
           l.clicks, l.video_views, l.leads, l.conversions, l.spend, l.conversion_value,
           l.source, l.unreported, l.campaign_ref, l.platform, l.format, l.paid,
           :batch, :seq, now()
    FROM ({_STAGED}) l
    ON CONFLICT (workspace_id, target_id, granularity, period_start) DO UPDATE
    SET impressions = EXCLUDED.impressions, reach = EXCLUDED.reach,
        engagements = EXCLUDED.engagements, likes = EXCLUDED.likes,
        comments = EXCLUDED.comments, shares = EXCLUDED.shares, saves = EXCLUDED.saves,
        clicks = EXCLUDED.clicks, video_views = EXCLUDED.video_views,
        leads = EXCLUDED.leads, conversions = EXCLUDED.conversions,
        spend = EXCLUDED.spend, conversion_value = EXCLUDED.conversion_value,
        source = EXCLUDED.source, unreported = EXCLUDED.unreported,
        campaign_id = EXCLUDED.campaign_id,
        platform = EXCLUDED.platform, format = EXCLUDED.format, paid = EXCLUDED.paid,
        batch_id = EXCLUDED.batch_id, batch_seq = EXCLUDED.batch_seq,
        -- EXCLUDED's, the insert's now(): Citus takes only IMMUTABLE functions here.
        updated_at = EXCLUDED.updated_at
    WHERE EXCLUDED.batch_seq > metric_snapshots.batch_seq
      AND (metric_snapshots.impressions, metric_snapshots.reach,
           metric_snapshots.engagements, metric_snapshots.likes, metric_snapshots.comments,
           metric_snapshots.shares, metric_snapshots.saves, metric_snapshots.clicks,
           metric_snapshots.video_views, metric_snapshots.leads,
           metric_snapshots.conversions, metric_snapshots.spend,
           metric_snapshots.conversion_value, metric_snapshots.source,
           metric_snapshots.unreported, metric_snapshots.campaign_id, metric_snapshots.platform,
           metric_snapshots.format, metric_snapshots.paid)
          IS DISTINCT FROM
          (EXCLUDED.impressions, EXCLUDED.reach, EXCLUDED.engagements, EXCLUDED.likes,
           EXCLUDED.comments, EXCLUDED.shares, EXCLUDED.saves, EXCLUDED.clicks,
           EXCLUDED.video_views, EXCLUDED.leads, EXCLUDED.conversions, EXCLUDED.spend,
           EXCLUDED.conversion_value, EXCLUDED.source, EXCLUDED.unreported,
           EXCLUDED.campaign_id,
           EXCLUDED.platform, EXCLUDED.format, EXCLUDED.paid)
    RETURNING metric_snapshots.*
    """
)

#: The buckets a batch writes, for the merge's locks.
PERIODS = sa.text(
    "SELECT DISTINCT period_start FROM ingest_rows"
    " WHERE workspace_id = :workspace AND batch_id = :batch"
)

#: The batch's staged rows, once merged.
DROP_STAGED = sa.delete(IngestRow).where(
    IngestRow.workspace_id == sa.bindparam("workspace"), IngestRow.batch_id == sa.bindparam("batch")
)


def listing(
    workspace_id: uuid.UUID,
    *,
    content_item_id: uuid.UUID | None,
    campaign_id: uuid.UUID | None,
    granularity: Granularity | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, uuid.UUID, Granularity] | None,
    limit: int,
) -> sa.Select[MetricSnapshot]:
    """Ordered by (period_start, target, granularity): the key, so keyset paging is exact.
    Reads one row past `limit`, to tell whether a next page exists."""
    s = MetricSnapshot
    stmt = sa.select(s).where(s.workspace_id == workspace_id)
    if content_item_id is not None:
        stmt = stmt.where(s.content_item_id == content_item_id)
    if campaign_id is not None:
        stmt = stmt.where(s.campaign_id == campaign_id)
    if granularity is not None:
        stmt = stmt.where(s.granularity == granularity)
    if start is not None:
        stmt = stmt.where(s.period_start >= start)
    if end is not None:
        stmt = stmt.where(s.period_start < end)
    if after is not None:
        stmt = stmt.where(sa.tuple_(s.period_start, s.target_id, s.granularity) > sa.tuple_(*after))
    return stmt.order_by(s.period_start, s.target_id, s.granularity).limit(limit + 1)
