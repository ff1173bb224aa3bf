"""Social listening (docs/contract.md, LIS-1..LIS-3): tracked terms and mentions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, TenantOwned, Versioned, str_enum, tenant_listing_index
from shared.listening.sentiment import Language, SentimentLabel
from shared.social_accounts.models import Platform


class TermKind(enum.StrEnum):
    brand = "brand"
    competitor = "competitor"


class MentionStatus(enum.StrEnum):
    new = "new"
    assigned = "assigned"
    responded = "responded"
    ignored = "ignored"
    escalated = "escalated"


class SentimentSource(enum.StrEnum):
    source = "source"  # given by the listening source
    analyser = "analyser"  # scored by the built-in analyser (LIS-2)


class TrackedTerm(TenantOwned, Base):
    """A brand or competitor, and the other ways people write it (synonyms, hashtags)."""

    __tablename__ = "tracked_terms"
    __table_args__ = (
        tenant_listing_index("tracked_terms"),
        sa.UniqueConstraint("workspace_id", "term"),
    )

    term: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TermKind] = mapped_column(str_enum(TermKind))
    synonyms: Mapped[list[str]] = mapped_column(ARRAY(sa.String(200)))


class Mention(TenantOwned, Versioned, Base):
    """A public post about the brand or a competitor. What the source reports is replaced
    by a repeat of the same (platform, external_id); the workflow fields are ours."""

    __tablename__ = "mentions"
    __table_args__ = (
        tenant_listing_index("mentions"),
        sa.UniqueConstraint("workspace_id", "platform", "external_id"),
        # Crisis windows, baselines and KPI periods: all ranges of posted_at.
        sa.Index("ix_mentions_workspace_id_posted_at", "workspace_id", "posted_at"),
        sa.Index("ix_mentions_batch_id", "batch_id"),
    )

    platform: Mapped[Platform] = mapped_column(str_enum(Platform))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    author_handle: Mapped[str] = mapped_column(sa.String(200))
    author_followers: Mapped[int] = mapped_column(sa.BigInteger)
    text: Mapped[str] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    posted_at: Mapped[datetime]
    #: As given, else detected by the analysis; null until then.
    language: Mapped[Language | None] = mapped_column(str_enum(Language))
    language_given: Mapped[bool] = mapped_column(sa.Boolean)
    sentiment: Mapped[float | None] = mapped_column(sa.Float)
    sentiment_label: Mapped[SentimentLabel | None] = mapped_column(str_enum(SentimentLabel))
    sentiment_source: Mapped[SentimentSource | None] = mapped_column(str_enum(SentimentSource))
    #: The tracked terms the text names (LIS-1), matched by the analysis.
    term_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(sa.Uuid), server_default=sa.text("'{}'")
    )
    hashtags: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default=sa.text("'{}'"))
    is_question: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    #: The text folded (lower case, no accents), for `?q=` search.
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[MentionStatus] = mapped_column(str_enum(MentionStatus))
    assignee: Mapped[str | None] = mapped_column(sa.String(200))
    needs_response: Mapped[bool] = mapped_column(sa.Boolean)
    responded_at: Mapped[datetime | None]
    #: The last ingest batch that changed the mention; analysed_at null until scored.
    batch_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    analysed_at: Mapped[datetime | None]
