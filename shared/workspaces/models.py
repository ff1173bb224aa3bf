from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import (
    Base,
    TenantOwned,
    Timestamped,
    Versioned,
    str_enum,
    tenant_listing_index,
)
from shared.i18n import Language, language_of


class Role(enum.StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        """Its place in the order viewer < editor < admin (checked on every request)."""
        return _RANKS[self]


_RANKS = {role: rank for rank, role in enumerate(Role)}


class Locale(enum.StrEnum):
    """The BCP 47 tags a workspace may speak: its CSV dialect by default, and the console's
    language and number formats. French first: the first market is France."""

    fr_FR = "fr-FR"
    en_GB = "en-GB"
    en_US = "en-US"


#: A new workspace's, as its Europe/Paris time zone and EUR currency; migration 0014 gave it
#: to the workspaces that existed before locales.
DEFAULT_LOCALE = Locale.fr_FR


def locale_language(locale: Locale) -> Language:
    """A workspace's language when none is given: its locale's (migration 0016 gave it
    so to the workspaces that existed before languages)."""
    return language_of(locale.value)


class Workspace(Timestamped, Versioned, Base):
    __tablename__ = "workspaces"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    locale: Mapped[Locale] = mapped_column(
        str_enum(Locale), default=DEFAULT_LOCALE, server_default=DEFAULT_LOCALE.value
    )
    #: What the product writes for the team: alert summaries, playbooks, report labels, CSV
    #: headers (problems follow each request's `Accept-Language` instead).
    language: Mapped[Language] = mapped_column(
        str_enum(Language), default=Language.fr, server_default=Language.fr.value
    )
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )


class ApiKey(TenantOwned, Base):
    """Only the SHA-256 of the key is kept: keys carry 256 random bits, so a slow hash adds
    nothing but latency to every request."""

    __tablename__ = "api_keys"
    __table_args__ = (
        tenant_listing_index("api_keys"),
        sa.UniqueConstraint("key_hash", "workspace_id"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
