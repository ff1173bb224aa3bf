"""Declarative base: naming convention, UTC timestamps, enums stored as strings."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: sa.DateTime(timezone=True)}


def str_enum(enum_cls: type[enum.StrEnum]) -> sa.Enum:
    """A VARCHAR column holding enum values: adding a value needs no `ALTER TYPE`."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    """Python-side defaults keep the values known after a flush (no refresh round trip)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )


class TenantOwned(Timestamped):
    """A row of one workspace, listed in (created_at, id) order (API-4).

    Keyed `(id, workspace_id)`: the workspace is in every key so Citus can distribute the
    table by it (issue 22); `id` first keeps a lookup by id alone on the key's index.
    Subclasses put `tenant_listing_index(<table>)` in their `__table_args__`.
    """

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)

    @declared_attr
    def workspace_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )


def tenant_key(
    column: str, parent: str, ondelete: str | None = "CASCADE"
) -> sa.ForeignKeyConstraint:
    """A key to another tenant table that pairs the workspace too: `(workspace_id, column)
    -> parent (workspace_id, id)`, so Citus finds parent and child on one node."""
    return sa.ForeignKeyConstraint(
        ["workspace_id", column], [f"{parent}.workspace_id", f"{parent}.id"], ondelete=ondelete
    )


def tenant_listing_index(table: str) -> sa.Index:
    return sa.Index(f"ix_{table}_workspace_id_created_at_id", "workspace_id", "created_at", "id")


class Versioned:
    """Optimistic concurrency: the version is the ETag (API-5), and an UPDATE that lost a
    race raises instead of overwriting."""

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
