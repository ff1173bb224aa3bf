"""Keyset pagination on (sort key, id): stable under inserts, O(limit) at any depth.

A list is in (created_at, id) order unless it offers another sort (`Sort`): one column,
ascending or descending, ties broken by id in the same direction. A cursor names the
list and the sort it belongs to: one list's cursor passed to another (campaigns' to
mentions', one audience's members' to another's), or made under another sort, is a 422,
not a page of the wrong rows from the wrong place."""

from __future__ import annotations

import base64
import binascii
import re
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
    return _moment(created), _uuid(ident)


def _moment(text: Any) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise bad_cursor() from exc
    if when.tzinfo is None:
        raise bad_cursor()
    return when


def _uuid(text: Any) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except (TypeError, ValueError, AttributeError) as exc:
        raise bad_cursor() from exc


def encode_key(kind: str, *parts: str | None) -> str:
    """A cursor of list `kind` over any sort key (its parts as strings, None for a row
    without a value), for lists not ordered by (created_at, id)."""
    return base64.urlsafe_b64encode(orjson.dumps([kind, *parts])).decode().rstrip("=")


def decode_key(cursor: str, kind: str, size: int) -> list[str]:
    parts = _load(cursor, kind)
    if len(parts) != size:
        raise bad_cursor()
    return [str(part) for part in parts]


def _load(cursor: str, kind: str) -> list[Any]:
    """The parts a cursor of list `kind` holds after its kind, as JSON values."""
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or not parts or parts[0] != kind:
            raise ValueError("shape or list")
        return parts[1:]
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise bad_cursor() from exc


#: The order every list has unless asked for another: creation, oldest first.
CREATED = "created_at"
_SORT_NAME = re.compile(r"-?[a-z_]{1,40}")


@dataclass(frozen=True, slots=True)
class Sort:
    """A list's order as the API names it: `column` ascending, `-column` descending; ties
    broken by id in the same direction; rows without a value last in both directions (a
    calendar shows what is scheduled before what is not, whichever way it reads)."""

    column: str
    descending: bool = False

    @classmethod
    def parse(cls, name: str) -> Sort:
        return cls(name.removeprefix("-"), name.startswith("-"))

    @property
    def name(self) -> str:
        return f"-{self.column}" if self.descending else self.column


def sort_mismatch(made: str, asked: str) -> ValidationFailed:
    message = (
        f"this cursor continues the list in sort={made} order, not sort={asked}: ask with "
        f"sort={made}, or start again without a cursor"
    )
    return ValidationFailed([FieldError(("query", "cursor"), message, "cursor_sort")], message)


def encode_position(kind: str, sort: Sort, value: datetime | None, ident: uuid.UUID) -> str:
    """A cursor after the row at (`value`, `ident`) in `sort` order. The default order's
    cursors keep their shape, so those handed out before sorts existed still work."""
    if sort == Sort(CREATED) and value is not None:
        return encode_cursor(kind, value, ident)
    return encode_key(kind, None if value is None else value.isoformat(), str(ident), sort.name)


def decode_position(cursor: str, kind: str, sort: Sort) -> tuple[datetime | None, uuid.UUID]:
    parts = _load(cursor, kind)
    if len(parts) == 2:
        parts.append(CREATED)
    if len(parts) != 3 or not isinstance(parts[2], str):
        raise bad_cursor()
    value, ident, made = parts
    if not _SORT_NAME.fullmatch(made):
        raise bad_cursor()
    if made != sort.name:
        raise sort_mismatch(made, sort.name)
    return None if value is None else _moment(value), _uuid(ident)


def _beyond(
    key: Any,
    ident_column: Any,
    value: datetime | None,
    ident: uuid.UUID,
    sort: Sort,
    nullable: bool,
) -> sa.ColumnElement[bool]:
    """The rows after (`value`, `ident`) in `sort` order, where rows without a value come
    after every row with one. A NOT NULL column gets the bare row comparison its index
    serves."""
    if value is None:
        after_id = ident_column < ident if sort.descending else ident_column > ident
        return sa.and_(key.is_(None), after_id)
    row, at = sa.tuple_(key, ident_column), sa.tuple_(value, ident)
    beyond = row < at if sort.descending else row > at
    return sa.or_(beyond, key.is_(None)) if nullable else beyond


def _order(key: Any, ident_column: Any, sort: Sort, nullable: bool) -> list[Any]:
    if not sort.descending:
        return [key, ident_column]  # PostgreSQL puts NULLs last when ascending
    # DESC puts NULLs first: say otherwise only when there can be any, so a descending
    # read of a NOT NULL column still walks its index backwards.
    return [key.desc().nulls_last() if nullable else key.desc(), ident_column.desc()]


async def paginate(
    session: AsyncSession,
    stmt: sa.Select[Any],
    model: Any,
    limit: int,
    cursor: str | None,
    sort: str = CREATED,
) -> Page[Any]:
    """A page of `stmt`'s rows of `model` in `sort` order (a timestamp column of `model`,
    `-` for descending), after the row `cursor` names."""
    kind = model.__tablename__
    order = Sort.parse(sort)
    key = getattr(model, order.column)
    nullable = bool(sa.inspect(model).columns[order.column].nullable)
    if cursor:
        value, ident = decode_position(cursor, kind, order)
        if value is None and not nullable:
            raise bad_cursor()
        stmt = stmt.where(_beyond(key, model.id, value, ident, order, nullable))
    ordered = stmt.order_by(*_order(key, model.id, order, nullable)).limit(limit + 1)
    rows = (await session.scalars(ordered)).unique().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_position(kind, order, getattr(last, order.column), last.id)
    return Page(items=rows, next_cursor=next_cursor)
