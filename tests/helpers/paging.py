"""Walking a sorted list page by page, with the workspace changing between pages, and
checking what a client would: no row twice, none that existed left out, and the order
the sort promises (ties by id in the sort's direction, rows without a value last)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from tests.conftest import Tenant

Item = dict[str, Any]
#: Runs after each page but the last, with that page's items: inserts, edits...
Between = Callable[[list[Item]], Awaitable[None]]

_NONE = datetime.min.replace(tzinfo=UTC)


async def walk(
    tenant: Tenant, path: str, sort: str, limit: int, between: Between | None = None
) -> list[Item]:
    """Every page of `path` in `sort` order, following `next_cursor`."""
    found: list[Item] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"sort": sort, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await tenant.http.get(path, params=params, headers=tenant.admin)
        assert response.status_code == 200, response.text
        page: list[Item] = response.json()["items"]
        assert len(page) <= limit
        found += page
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found
        if between is not None:
            await between(page)


def _position(item: Item, field: str) -> tuple[bool, datetime, uuid.UUID]:
    value = item[field]
    at = _NONE if value is None else datetime.fromisoformat(value).astimezone(UTC)
    return value is None, at, uuid.UUID(item["id"])


def in_order(items: list[Item], field: str, descending: bool) -> bool:
    """Each item strictly after the one before: rows with a value first, by (value, id)
    in the sort's direction; then rows without one, by id in the same direction."""
    for before, after in pairwise(items):
        a, b = _position(before, field), _position(after, field)
        if a[0] != b[0]:
            if a[0]:
                return False
        elif (a[1:] <= b[1:]) if descending else (a[1:] >= b[1:]):
            return False
    return True


def assert_each_once(items: list[Item], existing: Collection[str]) -> None:
    """No row twice (a repeat), every row that existed before the first page (no gap)."""
    ids = [item["id"] for item in items]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"rows listed twice: {repeated}"
    missing = sorted(set(existing) - set(ids))
    assert not missing, f"rows that existed and were never listed: {missing}"
