"""Issue 17: an OpenAPI document generators accept. The committed docs/openapi.json is the
app's; its components are named for what they hold; it uses standard JSON Schema keywords;
every operation says what security it needs; KPI rows are typed by `group_by`. Redocly's
lint and openapi-typescript run on the committed file in `make openapi-check` (CI), the
Python client in tests/api/test_generated_clients.py."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from services.api import openapi_document
from shared.kpis.queries import GroupBy
from shared.workspaces.schemas import ZONES

#: JSON Schema 2020-12 (core, applicator, unevaluated, validation, meta-data, format,
#: content) and the Schema Object's OpenAPI 3.1 additions.
# fmt: off
KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    "$comment", "$defs",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "prefixItems", "items", "contains", "properties", "patternProperties",
    "additionalProperties", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties",
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
    "required", "dependentRequired",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "format", "contentEncoding", "contentMediaType", "contentSchema",
    "discriminator", "xml", "externalDocs", "example",
})
#: Keywords whose value is a schema, a list of schemas, or schemas by name.
SUBSCHEMA = frozenset({
    "not", "if", "then", "else", "items", "contains", "propertyNames", "unevaluatedItems",
    "unevaluatedProperties", "contentSchema", "additionalProperties",
})
# fmt: on
SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})


@pytest.fixture(scope="module")
def text() -> str:
    return openapi_document.document()


@pytest.fixture(scope="module")
def document(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_the_committed_document_is_the_apps(text: str) -> None:
    committed = openapi_document.PATH.read_text(encoding="utf-8")
    if committed != text:
        diff = difflib.unified_diff(
            committed.splitlines(), text.splitlines(), "docs/openapi.json", "the app", n=1
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(
            "docs/openapi.json is not the app's document: run `make openapi` and commit "
            f"docs/openapi.json\n{shown}"
        )


def test_components_are_named_for_what_they_hold(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", name) for name in names), sorted(
        name for name in names if "_" in name
    )
    assert not names & {"Model", "Row", "Share", "Level"}
    assert {"CampaignPage", "ContentItemPage", "CampaignKpiRow", "AttributionModel"} <= names
    assert {"AttributionCredit", "MentionShare", "SnapshotLevel", "TimeZone"} <= names


def _schemas(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield from document["components"]["schemas"].items()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method} {path}"
            for parameter in operation.get("parameters", ()):
                yield where, parameter["schema"]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                yield where, media["schema"]
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    yield where, media["schema"]


def _keywords(schema: Any) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        yield keyword
        if keyword in SUBSCHEMA:
            yield from _keywords(value)
        elif keyword in SUBSCHEMA_LISTS:
            for branch in value:
                yield from _keywords(branch)
        elif keyword in SUBSCHEMA_MAPS:
            for sub in value.values():
                yield from _keywords(sub)


def test_schemas_use_standard_keywords_only(document: dict[str, Any]) -> None:
    unknown = {
        (where, keyword)
        for where, schema in _schemas(document)
        for keyword in _keywords(schema)
        if keyword not in KEYWORDS and not keyword.startswith("x-")
    }
    assert not unknown


def test_every_operation_declares_its_security_and_a_4xx(document: dict[str, Any]) -> None:
    assert [server["url"] for server in document["servers"]] == ["/"]
    assert document["info"]["license"]["name"]
    public = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "security" in operation, (method, path)
            assert any(code.startswith("4") for code in operation["responses"]), (method, path)
            if operation["security"] == []:
                public.append(path)
    assert sorted(public) == ["/healthz", "/metrics", "/readyz"]


def test_kpi_rows_are_typed_by_group_by(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    answer = document["paths"]["/v1/kpis"]["get"]["responses"]["200"]["content"]
    union = answer["application/json"]["schema"]
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "group_by"
    assert set(mapping) == {g.value for g in GroupBy}
    for group_by, ref in mapping.items():
        report = components[ref.rsplit("/", 1)[1]]
        tag = report["properties"]["group_by"]
        assert group_by in tag.get("enum", [tag.get("const")])
        assert "group_by" in report["required"]
        row = components[report["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]
        group = components[row["properties"]["group"]["$ref"].rsplit("/", 1)[1]]
        assert group["type"] == "object"
        assert group_by == "none" or group["required"], group_by
    campaign = components["CampaignGroup"]["properties"]
    assert campaign["campaign_id"]["anyOf"][0] == {"type": "string", "format": "uuid"}
    assert components["PeriodGroup"]["properties"]["period_start"]["format"] == "date"


def test_time_zones_have_one_readable_name_each(document: dict[str, Any]) -> None:
    zones = document["components"]["schemas"]["TimeZone"]
    assert zones["enum"] == list(ZONES)
    names = dict(zip(zones["enum"], zones["x-enum-varnames"], strict=True))
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in names.values())
    assert names["Etc/GMT+1"] == "ETC_GMT_PLUS_1"
    assert names["Etc/GMT-1"] == "ETC_GMT_MINUS_1"
    assert names["Europe/Paris"] == "EUROPE_PARIS"


UUID = "6f1c2b9e-8d3a-4c51-9e6f-0a7b3c2d1e4f"
ROW = {"period_start": "2026-11-02T00:00:00Z", "granularity": "day"}


@pytest.mark.parametrize(
    ("component", "instance", "valid"),
    [
        # A snapshot row names exactly one target (the service's "one_target").
        ("SnapshotIn", ROW | {"content_item_id": UUID}, True),
        ("SnapshotIn", ROW | {"campaign_id": UUID}, True),
        ("SnapshotIn", ROW | {"content_item_id": UUID, "campaign_id": None}, True),
        ("SnapshotIn", ROW | {"content_item_id": None, "campaign_id": UUID}, True),
        ("SnapshotIn", ROW | {"content_item_id": UUID, "campaign_id": UUID}, False),
        ("SnapshotIn", ROW | {"content_item_id": None, "campaign_id": None}, False),
        ("SnapshotIn", ROW, False),
        # A crisis level gives at least one threshold that is not null.
        ("LevelRule", {"level": "watch", "volume_ratio": 2}, True),
        ("LevelRule", {"level": "watch", "negative_share": None, "volume_ratio": 2}, True),
        ("LevelRule", {"level": "watch", "negative_share": None}, False),
        ("LevelRule", {"level": "watch"}, False),
        # A non-empty variant needs a non-empty A/B test group.
        ("ContentItemCreate", {"social_account_id": UUID, "format": "post"}, True),
        ("ContentItemCreate", {"social_account_id": UUID, "format": "post", "variant": ""}, True),
        (
            "ContentItemCreate",
            {"social_account_id": UUID, "format": "post", "variant": "A", "ab_test_group": "g"},
            True,
        ),
        ("ContentItemCreate", {"social_account_id": UUID, "format": "post", "variant": "A"}, False),
    ],
)
def test_conditions_say_what_the_services_check(
    document: dict[str, Any], component: str, instance: dict[str, Any], valid: bool
) -> None:
    """Written without a top-level oneOf/anyOf (which generators turn into a union of the
    branches alone), the cross-field rules still hold in JSON Schema."""
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    assert jsonschema_rs.Draft202012Validator(root).is_valid(instance) is valid


def test_schema_examples_are_valid(document: dict[str, Any]) -> None:
    """What Redocly's example check also verifies, with a validator that reads `if`/`then`
    as JSON Schema does."""
    checked = 0
    for name, schema in document["components"]["schemas"].items():
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        validator = jsonschema_rs.Draft202012Validator(root)
        for example in schema.get("examples", ()):
            assert validator.is_valid(example), (name, example)
            checked += 1
    assert checked
