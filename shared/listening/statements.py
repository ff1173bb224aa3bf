"""The mentions' set-based writes: the ingestion's upsert and the analysis's store."""

from __future__ import annotations

import sqlalchemy as sa

_COLUMNS = (
    "id",
    "platform",
    "external_id",
    "author_handle",
    "author_followers",
    "text",
    "url",
    "posted_at",
    "language",
    "language_given",
    "sentiment",
    "sentiment_label",
    "sentiment_source",
)
#: What the source says about a mention: a repeat that changes none of it is no update.
_SOURCE_FIELDS = ("author_handle", "author_followers", "text", "url", "posted_at")

#: Rows as a JSON array of `_COLUMNS` records; a repeat keeps the team's workflow fields
#: and is analysed again only if what the source said changed. Returns one row per
#: mention written: `inserted` is false for an update.
UPSERT = sa.text(
    f"""
    INSERT INTO mentions (workspace_id, batch_id, status, needs_response, version,
                          created_at, updated_at, {", ".join(_COLUMNS)})
    SELECT :workspace, :batch, 'new', false, 1, :now, :now, u.*
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
        id uuid, platform varchar, external_id varchar, author_handle varchar,
        author_followers bigint, text text, url text, posted_at timestamptz,
        language varchar, language_given boolean, sentiment float8,
        sentiment_label varchar, sentiment_source varchar)
    ON CONFLICT (workspace_id, platform, external_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _SOURCE_FIELDS)},
        language = CASE WHEN EXCLUDED.language_given THEN EXCLUDED.language
                        WHEN mentions.text = EXCLUDED.text AND NOT mentions.language_given
                        THEN mentions.language END,
        language_given = EXCLUDED.language_given,
        sentiment = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL THEN EXCLUDED.sentiment
                         WHEN mentions.sentiment_source = 'analyser'
                              AND mentions.text = EXCLUDED.text THEN mentions.sentiment END,
        sentiment_label = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL
                               THEN EXCLUDED.sentiment_label
                               WHEN mentions.sentiment_source = 'analyser'
                                    AND mentions.text = EXCLUDED.text
                               THEN mentions.sentiment_label END,
        sentiment_source = CASE WHEN EXCLUDED.sentiment_source IS NOT NULL
                                THEN EXCLUDED.sentiment_source
                                WHEN mentions.sentiment_source = 'analyser'
                                     AND mentions.text = EXCLUDED.text
                                THEN mentions.sentiment_source END,
        batch_id = EXCLUDED.batch_id, analysed_at = NULL, updated_at = EXCLUDED.updated_at,
        version = mentions.version + 1
    WHERE ({", ".join(f"mentions.{c}" for c in (*_SOURCE_FIELDS, "language_given"))},
           CASE WHEN mentions.sentiment_source = 'source' THEN mentions.sentiment END,
           CASE WHEN mentions.language_given THEN mentions.language END)
          IS DISTINCT FROM
          ({", ".join(f"EXCLUDED.{c}" for c in (*_SOURCE_FIELDS, "language_given"))},
           EXCLUDED.sentiment, EXCLUDED.language)
    RETURNING (xmax = 0) AS inserted
    """
)

#: The batch's rows locked in key order first, as the ingestion's upsert locks them.
LOCK_BATCH = sa.text(
    """
    SELECT 1 FROM mentions
    WHERE workspace_id = :workspace AND batch_id = :batch AND analysed_at IS NULL
    ORDER BY platform, external_id FOR UPDATE
    """
)
#: What the analysis found, as a JSON array of records, written to the batch's mentions.
STORE_ANALYSIS = sa.text(
    """
    UPDATE mentions m SET language = u.language, sentiment = u.sentiment,
        sentiment_label = u.label, sentiment_source = u.source, term_ids = u.term_ids,
        hashtags = u.hashtags, is_question = u.is_question, search_text = u.search_text,
        analysed_at = :now
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
        id uuid, language varchar, sentiment float8, label varchar, source varchar,
        term_ids uuid[], hashtags text[], is_question boolean, search_text text)
    WHERE m.id = u.id AND m.workspace_id = :workspace AND m.batch_id = :batch
    """
)
