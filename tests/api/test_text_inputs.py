"""F3 and F4 (issue 15), walked over every operation of the OpenAPI document: every string
a client sends (body fields, nested or in bulk rows, query and path parameters) refuses
control characters, and every timestamp refuses a time past the calendar, each with a 422
naming the field. New fields and routes are covered by construction."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.schemas import PRINTABLE, Text
from tests.conftest import OPERATOR_TOKEN, Tenant, offline_app
from tests.helpers.problems import assert_problem
from tests.helpers.routes import with_unknown_ids

#: Control characters refused everywhere (C0 but tab, LF and CR; DEL; C1).
CONTROLS = ["\x00", "\x01", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
#: Operations outside a workspace's key (the operator's token) and the ops routes.
OPERATOR_PATHS = {"/v1/workspaces"}

DOC = offline_app().openapi()
COMPONENTS = DOC["components"]["schemas"]

Path = tuple[str | int, ...]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a schema, resolved."""
    schema = _resolve(schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives and "properties" not in schema and "type" not in schema:
        return [b for sub in alternatives for b in _branches(sub) if b.get("type") != "null"]
    return [schema]


def _probes(schema: dict[str, Any], kind: str) -> Iterator[tuple[Path, Any]]:
    """(path to a field of `kind` — "text" or "date-time" — and the smallest JSON value that
    puts a placeholder there) for every such field reachable in `schema`."""
    for branch in _branches(schema):
        if branch.get("type") == "string":
            is_time = branch.get("format") == "date-time"
            if (kind == "date-time") == is_time and "enum" not in branch and "const" not in branch:
                yield (), PLACEHOLDER
        elif branch.get("type") == "array":
            for path, value in _probes(branch.get("items", {}), kind):
                yield (0, *path), [value]
        elif "properties" in branch:
            tag = _discriminator(branch)
            for name, sub in branch["properties"].items():
                for path, value in _probes(sub, kind):
                    yield (name, *path), {**tag, name: value}


def _discriminator(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["properties"].get("kind", {})
    return {"kind": kind["const"]} if "const" in kind else {}


PLACEHOLDER = object()


def _fill(value: Any, text: str) -> Any:
    if value is PLACEHOLDER:
        return text
    if isinstance(value, list):
        return [_fill(v, text) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, text) for k, v in value.items()}
    return value


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in DOC["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def _cases(kind: str) -> Iterator[tuple[str, str, str, Path, Any]]:
    """(method, path, where, field path, body or parameter value) for every field."""
    for method, path, operation in operations():
        for parameter in operation.get("parameters", ()):
            if parameter["in"] in {"query", "path"}:
                for field, _ in _probes(parameter["schema"], kind):
                    if not field:
                        yield method, path, parameter["in"], (parameter["name"],), None
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for field, value in _probes(body["schema"], kind):
                yield method, path, "body", field, value


TEXT_CASES = list(_cases("text"))
TIME_CASES = list(_cases("date-time"))


def _ids(cases: list[tuple[str, str, str, Path, Any]]) -> list[str]:
    return [f"{m} {p} {w}:{'.'.join(map(str, f))}" for m, p, w, f, _ in cases]


def test_the_walk_finds_the_fields() -> None:
    """Guards the discovery itself: a walk that found nothing would pass vacuously."""
    fields = {(w, f[-1]) for _, _, w, f, _ in TEXT_CASES}
    for expected in [
        ("body", "name"),
        ("body", "caption"),
        ("body", "text"),  # mentions, in bulk rows
        ("body", "source"),  # snapshots, in bulk rows
        ("body", "interests"),  # nested: targeting.interests[]
        ("body", "owner_role"),  # nested: playbook[].owner_role
        ("query", "q"),
        ("query", "event_type"),
        ("path", "group"),
    ]:
        assert expected in fields or (expected[0], 0) in fields, expected
    assert len(TEXT_CASES) > 80, len(TEXT_CASES)
    times = {(w, f[-1]) for _, _, w, f, _ in TIME_CASES}
    for expected in [("body", "starts_at"), ("body", "period_start"), ("query", "from")]:
        assert expected in times, expected


async def _send(
    tenant: Tenant, method: str, path: str, where: str, field: Path, value: Any, text: str
) -> Any:
    headers = (
        {"Authorization": f"Bearer {OPERATOR_TOKEN}"} if path in OPERATOR_PATHS else tenant.admin
    )
    url = with_unknown_ids(path)
    params: dict[str, str] = {}
    body: Any = None
    if where == "query":
        params[str(field[0])] = text
    elif where == "path":
        url = path.replace("{" + str(field[0]) + "}", quote(text, safe=""))
        url = with_unknown_ids(url)
    else:
        body = _fill(value, text)
    if method in {"POST", "PATCH", "PUT"} and body is None:
        body = {}
    response = await tenant.http.request(method, url, params=params, json=body, headers=headers)
    return assert_problem(response, 422)


def _names(problem: dict[str, Any], where: str, field: Path) -> bool:
    """Whether an error's location ends with the field (a discriminated union puts its tag
    between the body and the field; a list item its index)."""
    wanted = [where, *field] if where != "body" else list(field)
    for error in problem.get("errors", ()):
        loc = [part for part in error["loc"] if part != "body" or where != "body"]
        if loc[-len(wanted) :] == wanted or loc[-len(wanted) - 1 : -1] == wanted:
            return True
    return False


@pytest.mark.parametrize(
    ("method", "path", "where", "field", "value"), TEXT_CASES, ids=_ids(TEXT_CASES)
)
async def test_every_text_input_refuses_control_characters(
    tenant: Tenant, method: str, path: str, where: str, field: Path, value: Any
) -> None:
    control = CONTROLS[zlib.crc32(f"{method}{path}{field}".encode()) % len(CONTROLS)]
    problem = await _send(tenant, method, path, where, field, value, f"ok{control}ok")
    assert _names(problem, where, field), problem


@pytest.mark.parametrize(
    ("method", "path", "where", "field", "value"), TIME_CASES, ids=_ids(TIME_CASES)
)
@pytest.mark.parametrize("edge", EDGES)
async def test_every_timestamp_refuses_times_past_the_calendar(
    tenant: Tenant, method: str, path: str, where: str, field: Path, value: Any, edge: str
) -> None:
    problem = await _send(tenant, method, path, where, field, value, edge)
    assert _names(problem, where, field), problem


def test_the_text_rule_is_exactly_the_control_characters() -> None:
    """Tab, LF and CR pass, as do every printable character tried; every C0, DEL and C1
    control is refused: the rule is one pattern, checked by pydantic-core."""
    adapter = TypeAdapter(Text)
    allowed = {"\t", "\n", "\r"}
    for point in range(0xA0):
        char = chr(point)
        is_control = point < 0x20 or 0x7F <= point <= 0x9F
        if is_control and char not in allowed:
            with pytest.raises(ValidationError):
                adapter.validate_python(f"a{char}b")
        else:
            assert adapter.validate_python(f"a{char}b") == f"a{char}b"
    assert adapter.validate_python("Maison Lumière 🌸 \u200b\u00a0") is not None
    assert re.fullmatch(PRINTABLE, "é\t\n") is not None
