"""Tenant-scoped data access: every query a repository builds filters on workspace_id,
so an id of another workspace is indistinguishable from an id that does not exist."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db.pagination import CREATED, Page, paginate
from shared.errors import FieldError, NotFound, ValidationFailed

M = TypeVar("M", bound=Any)


class TenantRepository(Generic[M]):
    def __init__(self, session: AsyncSession, model: type[M], label: str) -> None:
        self.session = session
        self.model = model
        self.label = label

    def select(self, workspace_id: uuid.UUID) -> sa.Select[M]:
        return sa.select(self.model).where(self.model.workspace_id == workspace_id)

    async def page(
        self,
        workspace_id: uuid.UUID,
        limit: int,
        cursor: str | None,
        *where: sa.ColumnElement[bool],
        ids: Collection[uuid.UUID] | None = None,
        sort: str = CREATED,
        **equal: Any,
    ) -> Page[M]:
        """A page of the workspace's rows in keyset order (`sort`: a timestamp column,
        `-column` for descending; see `pagination.Sort`), kept by `where`, by `ids` when
        given (ids of nothing here are left out, not refused), and by each `column=value`
        whose value is not None (a filter the client left out)."""
        if ids is not None:
            where = (*where, self.model.id.in_(ids))
        stmt = self.select(workspace_id).where(
            *where, *(getattr(self.model, name) == v for name, v in equal.items() if v is not None)
        )
        return await paginate(self.session, stmt, self.model, limit, cursor, sort)

    async def get(self, workspace_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False) -> M:
        stmt = self.select(workspace_id).where(self.model.id == ident)
        if lock:
            stmt = stmt.with_for_update(of=self.model)
        found: M | None = (await self.session.scalars(stmt)).unique().one_or_none()
        if found is None:
            raise NotFound(self.label, ident)
        return found

    async def missing_references(
        self, workspace_id: uuid.UUID, refs: Iterable[tuple[tuple[str | int, ...], uuid.UUID]]
    ) -> list[FieldError]:
        """One query for all ids a request names; unknown and foreign ids alike, each with
        its location."""
        refs = list(refs)
        if not refs:
            return []
        wanted = {ident for _, ident in refs}
        found = set(
            await self.session.scalars(
                sa.select(self.model.id).where(
                    self.model.workspace_id == workspace_id, self.model.id.in_(wanted)
                )
            )
        )
        return [
            FieldError(loc, f"{self.label} {ident} does not exist", "unknown_reference")
            for loc, ident in refs
            if ident not in found
        ]

    async def check_references(
        self, workspace_id: uuid.UUID, refs: Iterable[tuple[tuple[str | int, ...], uuid.UUID]]
    ) -> None:
        """`missing_references`, as a 422."""
        errors = await self.missing_references(workspace_id, refs)
        if errors:
            raise ValidationFailed(errors)
