"""F7 (issue 15): every string and array a client sends has a documented maximum, so no
request can store (or make every page carry) an unbounded list; targeting lists are capped
and hold each value once. The walk covers new fields by construction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Tenant, offline_app
from tests.helpers.problems import assert_problem

DOC = offline_app().openapi()
COMPONENTS = DOC["components"]["schemas"]
#: Strings bounded by what they are.
BOUNDED_FORMATS = {"uuid", "date-time"}


def _unbounded(schema: dict[str, Any], where: str, seen: frozenset[str]) -> Iterator[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen, schema = seen | {name}, COMPONENTS[name]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, ()):
            yield from _unbounded(sub, where, seen)
    kind = schema.get("type")
    if (
        kind == "string"
        and not {"enum", "const", "maxLength"} & schema.keys()
        and schema.get("format") not in BOUNDED_FORMATS
    ):
        yield f"{where}: string without maxLength"
    if kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: array without maxItems"
        yield from _unbounded(schema.get("items", {}), f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _unbounded(sub, f"{where}.{name}", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        if "maxProperties" not in schema:
            yield f"{where}: object without maxProperties"
        yield from _unbounded(extra, f"{where}{{}}", seen)


def test_every_input_string_and_array_has_a_maximum() -> None:
    found: list[str] = []
    inputs = 0
    for path, methods in DOC["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", ()):
                inputs += 1
                found += _unbounded(
                    parameter["schema"], f"{where} {parameter['name']}", frozenset()
                )
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                inputs += 1
                found += _unbounded(body["schema"], f"{where} body", frozenset())
    assert inputs > 150  # the walk found the inputs
    assert found == []


@pytest.mark.parametrize(
    "targeting",
    [
        {"genders": ["female"] * 1_000},
        {"genders": ["female", "female"]},
        {"languages": ["fr"] * 51},
        {"languages": ["fr", "en", "fr"]},
        {"interests": ["déco"] * 101},
    ],
)
async def test_targeting_lists_are_capped_and_hold_each_value_once(
    tenant: Tenant, targeting: dict[str, Any]
) -> None:
    response = await tenant.http.post(
        "/v1/audiences",
        json={"kind": "saved", "name": "Probe", "targeting": targeting},
        headers=tenant.admin,
    )
    problem = assert_problem(response, 422)
    assert next(iter(targeting)) in str(problem["errors"]), problem
    listed = await tenant.http.get("/v1/audiences", headers=tenant.admin)
    assert listed.json()["items"] == []
