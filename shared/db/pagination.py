"""Keyset pagination on (created_at, id): stable under inserts, O(limit) at any depth."""

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


def encode_cursor(created_at: datetime, ident: uuid.UUID) -> str:
    return encode_key(created_at.isoformat(), str(ident))


def bad_cursor() -> ValidationFailed:
    return ValidationFailed([FieldError(("query", "cursor"), "not a cursor returned by this API")])


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, ident = decode_key(cursor, 2)
    try:
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, uuid.UUID(ident)
    except ValueError as exc:
        raise bad_cursor() from exc


def encode_key(*parts: str) -> str:
    """A cursor over any sort key (its parts as strings), for lists not ordered by
    (created_at, id)."""
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def decode_key(cursor: str, size: int) -> list[str]:
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != size:
            raise ValueError("shape")
        return [str(part) for part in parts]
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise bad_cursor() from exc


async def paginate(
    session: AsyncSession, stmt: sa.Select[Any], model: Any, limit: int, cursor: str | None
) -> Page[Any]:
    if cursor:
        created_at, ident = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(model.created_at, model.id) > sa.tuple_(created_at, ident))
    ordered = stmt.order_by(model.created_at, model.id).limit(limit + 1)
    rows = (await session.scalars(ordered)).unique().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id)
    return Page(items=rows, next_cursor=next_cursor)
