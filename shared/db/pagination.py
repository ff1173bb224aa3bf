"""Keyset pagination on (created_at, id): stable under inserts, O(limit) at any depth.

A cursor names the list it belongs to: one list's cursor passed to another (campaigns'
to mentions', one audience's members' to another's) is a 422, not a page of the wrong
rows from the wrong place."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import FieldError, ValidationFailed

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(kind: str, created_at: datetime, ident: uuid.UUID) -> str:
    return encode_key(kind, created_at.isoformat(), str(ident))


def bad_cursor() -> ValidationFailed:
    return ValidationFailed([FieldError(("query", "cursor"), "not a cursor returned by this list")])


def decode_cursor(cursor: str, kind: str) -> tuple[datetime, uuid.UUID]:
    created, ident = decode_key(cursor, kind, 2)
    try:
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, uuid.UUID(ident)
    except ValueError as exc:
        raise bad_cursor() from exc


def encode_key(kind: str, *parts: str) -> str:
    """A cursor of list `kind` over any sort key (its parts as strings), for lists not
    ordered by (created_at, id)."""
    return base64.urlsafe_b64encode(orjson.dumps([kind, *parts])).decode().rstrip("=")


def decode_key(cursor: str, kind: str, size: int) -> list[str]:
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != size + 1 or parts[0] != kind:
            raise ValueError("shape or list")
        return [str(part) for part in parts[1:]]
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise bad_cursor() from exc


async def paginate(
    session: AsyncSession, stmt: sa.Select[Any], model: Any, limit: int, cursor: str | None
) -> Page[Any]:
    kind = model.__tablename__
    if cursor:
        created_at, ident = decode_cursor(cursor, kind)
        stmt = stmt.where(sa.tuple_(model.created_at, model.id) > sa.tuple_(created_at, ident))
    ordered = stmt.order_by(model.created_at, model.id).limit(limit + 1)
    rows = (await session.scalars(ordered)).unique().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(kind, rows[-1].created_at, rows[-1].id)
    return Page(items=rows, next_cursor=next_cursor)
