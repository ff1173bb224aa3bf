"""Caps on tracked terms (issue 15 F1): past each one, a 422 problem naming the field, and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from shared.listening import terms
from shared.listening.schemas import MAX_PHRASE_LENGTH, MAX_SYNONYMS
from tests.conftest import Tenant
from tests.helpers.listening import term


async def terms_held(tenant: Tenant) -> list[str]:
    response = await tenant.http.get("/v1/tracked-terms", headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [item["term"] for item in response.json()["items"]]


def assert_problem_names(response: Any, loc: list[str | int]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in [error["loc"] for error in response.json()["errors"]], response.text


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {"term": "x", "synonyms": [f"s{i}" for i in range(MAX_SYNONYMS + 1)]},
            ["body", "synonyms"],
        ),
        ({"term": "x" * (MAX_PHRASE_LENGTH + 1)}, ["body", "term"]),
        ({"term": "x", "synonyms": ["ok", "y" * (MAX_PHRASE_LENGTH + 1)]}, ["body", "synonyms", 1]),
    ],
)
async def test_a_term_past_a_cap_is_a_422_naming_the_field(
    tenant: Tenant, body: dict[str, Any], loc: list[str | int]
) -> None:
    response = await tenant.http.post(
        "/v1/tracked-terms", json={"kind": "brand", **body}, headers=tenant.admin
    )

    assert_problem_names(response, loc)
    assert await terms_held(tenant) == []


async def test_terms_at_the_caps_are_accepted(tenant: Tenant) -> None:
    await term(
        tenant,
        "x" * MAX_PHRASE_LENGTH,
        synonyms=[f"{i:03d}".ljust(MAX_PHRASE_LENGTH, "y") for i in range(MAX_SYNONYMS)],
    )


async def test_a_workspace_past_its_term_cap_is_a_422_naming_the_term(
    tenant: Tenant, make_tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terms, "MAX_TERMS_PER_WORKSPACE", 2)
    other = await make_tenant()
    await term(tenant, "one")
    await term(tenant, "two")

    response = await tenant.http.post(
        "/v1/tracked-terms", json={"term": "three", "kind": "brand"}, headers=tenant.admin
    )

    assert_problem_names(response, ["body", "term"])
    assert "at most 2 terms" in response.json()["errors"][0]["msg"]
    assert sorted(await terms_held(tenant)) == ["one", "two"]
    await term(other, "three")  # the cap is per workspace


async def test_an_editor_deletes_the_terms_editors_create_and_a_viewer_cannot(
    tenant: Tenant,
) -> None:
    """F10 (issue 15): editors could create terms but not delete them."""
    editor, viewer = await tenant.key("editor"), await tenant.key("viewer")
    created = await tenant.http.post(
        "/v1/tracked-terms", json={"term": "Orvane", "kind": "brand"}, headers=editor
    )
    assert created.status_code == 201, created.text
    path = f"/v1/tracked-terms/{created.json()['id']}"
    assert (await tenant.http.delete(path, headers=viewer)).status_code == 403
    assert (await tenant.http.delete(path, headers=editor)).status_code == 204
    assert (await tenant.http.get(path, headers=editor)).status_code == 404
