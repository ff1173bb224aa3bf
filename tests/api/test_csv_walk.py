"""Every operation that answers CSV, walked on a workspace where each report has rows (issue
17): flat columns, no JSON in a cell, no column empty on every line, in both dialects. A new
CSV operation fails here until it is seeded in `REQUESTS`, and then is held to the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute

from services.api.csv_output import CSV
from services.api.state import Resources
from shared.config import Settings
from shared.kpis.queries import GroupBy
from tests.conftest import Tenant, offline_app
from tests.helpers.reports import Seeded, seed

Request = tuple[str, dict[str, str]]


def _requests(seeded: Seeded) -> dict[str, list[Request]]:
    """Per CSV operation, the requests that walk it: every shape its lines take."""
    return {
        "/v1/kpis": [("/v1/kpis", {"group_by": g.value}) for g in GroupBy],
        "/v1/kpis/funnel": [("/v1/kpis/funnel", {})],
        "/v1/kpis/content-matrix": [("/v1/kpis/content-matrix", {})],
        "/v1/kpis/best-times": [("/v1/kpis/best-times", {"min_items": "1"})],
        "/v1/kpis/budget": [("/v1/kpis/budget", {})],
        "/v1/kpis/ab-tests/{group}": [(f"/v1/kpis/ab-tests/{seeded.ab_test_group}", {})],
        "/v1/kpis/share-of-voice": [("/v1/kpis/share-of-voice", {})],
        "/v1/kpis/responsiveness": [("/v1/kpis/responsiveness", {})],
        "/v1/mentions": [("/v1/mentions", {})],
        "/v1/audiences/{audience_id}/export": [(f"/v1/audiences/{seeded.audience_id}/export", {})],
    }


def _query_names(route: APIRoute) -> set[str]:
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(param.alias for param in dependant.query_params)
        pending.extend(dependant.dependencies)
    return names


def _api_routes() -> Iterator[APIRoute]:
    app = offline_app()
    for route in app.routes:
        yield from (route,) if isinstance(route, APIRoute) else ()
        original = getattr(route, "original_router", None)
        yield from (r for r in getattr(original, "routes", ()) if isinstance(r, APIRoute))


def csv_routes() -> Iterator[tuple[str, bool]]:
    """(path, takes `csv_dialect`) of every GET whose 200 offers CSV."""
    for route in _api_routes():
        if "GET" not in (route.methods or ()):
            continue
        if any(CSV in (spec.get("content") or {}) for spec in route.responses.values()):
            yield route.path, "csv_dialect" in _query_names(route)


def parse(body: bytes, dialect: str) -> list[list[str]]:
    if dialect == "excel":
        assert body.startswith(b"\xef\xbb\xbf"), body[:20]
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert not body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def assert_flat(lines: list[list[str]], where: str) -> None:
    header, *rows = lines
    assert rows, f"{where}: no rows: seed it"
    assert len(set(header)) == len(header), f"{where}: a column twice: {header}"
    for row in rows:
        assert len(row) == len(header), f"{where}: {row}"
        nested = [cell for cell in row if cell.startswith(("[", "{"))]
        assert not nested, f"{where}: JSON in a cell: {nested}"
    empty = [name for i, name in enumerate(header) if not any(row[i] for row in rows)]
    assert not empty, f"{where}: columns empty on every line: {empty}"


def test_the_walk_finds_the_csv_operations() -> None:
    paths = {path for path, _ in csv_routes()}
    assert {"/v1/kpis", "/v1/kpis/budget", "/v1/mentions"} <= paths


async def test_every_csv_answer_is_flat(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    seeded = await seed(tenant, resources, settings)
    requests = _requests(seeded)
    walked = 0
    for path, has_dialects in csv_routes():
        assert path in requests, f"{path} answers CSV: seed it in tests/helpers/reports.py"
        for dialect in ("rfc4180", "excel") if has_dialects else ("rfc4180",):
            for url, params in requests[path]:
                query = params | ({"csv_dialect": dialect} if has_dialects else {})
                response = await tenant.http.get(
                    url, params=query, headers=tenant.admin | {"Accept": CSV}
                )
                where = f"{url} {query}"
                assert response.status_code == 200, f"{where}: {response.text}"
                assert response.headers["content-type"].startswith(CSV), where
                assert_flat(parse(response.content, dialect), where)
                walked += 1
    assert walked >= 2 * len(GroupBy) + 17


@pytest.mark.parametrize(
    "lines",
    [
        [["a", "b"], ["1", '[{"x":1}]']],
        [["a", "b"], ["1", '{"x":1}']],
        [["a", "b"], ["1", ""], ["2", ""]],
    ],
)
def test_the_walk_refuses_json_cells_and_empty_columns(lines: list[list[str]]) -> None:
    with pytest.raises(AssertionError):
        assert_flat(lines, "sample")
