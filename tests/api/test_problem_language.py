"""Issue 18: a problem's `title` and `detail` follow the request's `Accept-Language` (fr or
en, with q-values; anything else is English), whatever the workspace's language; its
`type` never changes. The answer says its language and that it varies with the header."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.problems import Problem, assert_problem

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def assert_language(response: httpx.Response, language: str) -> None:
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()


async def _missing(tenant: Tenant, ident: uuid.UUID, headers: dict[str, str]) -> Problem:
    response = await tenant.http.get(f"/v1/campaigns/{ident}", headers=tenant.admin | headers)
    body = assert_problem(response, 404)
    assert body["type"] == "/problems/not-found"  # a stable identifier, in any language
    return body


async def test_a_french_reader_reads_french_problems(tenant: Tenant) -> None:
    ident = uuid.uuid4()
    response = await tenant.http.get(f"/v1/campaigns/{ident}", headers=tenant.admin | FRENCH)
    body = assert_problem(response, 404)
    assert (body["type"], body["title"]) == ("/problems/not-found", "Introuvable")
    assert body["detail"] == f"campagne {ident} introuvable"
    assert_language(response, "fr")

    invalid = await tenant.http.post(
        "/v1/campaigns", json={"name": "", "budget": 12}, headers=tenant.admin | FRENCH
    )
    refused = assert_problem(invalid, 422)
    assert refused["title"] == "Erreur de validation"
    assert refused["detail"] == f"{len(refused['errors'])} champ(s) invalide(s)"
    assert_language(invalid, "fr")

    campaign = await factories.campaign(tenant)
    moved = await tenant.http.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"status": "completed"},
        headers=tenant.admin | FRENCH,
    )
    conflict = assert_problem(moved, 409)
    assert (conflict["type"], conflict["title"]) == ("/problems/invalid-transition", "Conflit")
    assert conflict["detail"] == (
        "campagne : impossible de passer de « draft » à « completed » "
        "(possible depuis « draft » : archived, scheduled)"
    )


async def test_an_english_workspace_reads_problems_in_its_readers_language(
    make_tenant: TenantFactory,
) -> None:
    """Problems answer one request: its reader's language, not the workspace's."""
    tenant = await make_tenant(locale="en-GB")
    ident = uuid.uuid4()
    french = await _missing(tenant, ident, FRENCH)
    assert french["detail"] == f"campagne {ident} introuvable"
    english = await _missing(tenant, ident, {})
    assert english["detail"] == f"campaign {ident} does not exist"


@pytest.mark.parametrize(
    ("accept_language", "title", "language"),
    [
        ("de", "Not found", "en"),  # a language we do not speak: English
        ("de-DE,de;q=0.9,fr;q=0.5", "Introuvable", "fr"),  # French, if further down
        ("en;q=0.5, fr;q=0.8", "Introuvable", "fr"),
        ("fr;q=0, en", "Not found", "en"),
        ("*", "Not found", "en"),
        ("", "Not found", "en"),
    ],
)
async def test_accept_language_picks_the_problem_language(
    tenant: Tenant, accept_language: str, title: str, language: str
) -> None:
    response = await tenant.http.get(
        f"/v1/campaigns/{uuid.uuid4()}",
        headers=tenant.admin | {"Accept-Language": accept_language},
    )
    assert assert_problem(response, 404)["title"] == title
    assert_language(response, language)


async def test_problems_outside_the_domain_are_translated_too(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Authentication, the router's own 404 and 405, malformed JSON, a bad Idempotency-Key."""
    unauthenticated = assert_problem(await client.get("/v1/campaigns", headers=FRENCH), 401)
    assert unauthenticated["title"] == "Non authentifié"
    assert unauthenticated["detail"] == "envoyez une clé d'API en `Authorization: Bearer <clé>`"
    bad_key = await client.get(
        "/v1/campaigns", headers=FRENCH | {"Authorization": "Bearer smm_nope"}
    )
    assert assert_problem(bad_key, 401)["detail"] == "la clé d'API n'est pas valide"

    nowhere = assert_problem(await client.get("/v1/nowhere", headers=FRENCH), 404)
    assert (nowhere["title"], nowhere["detail"]) == ("Introuvable", "Introuvable")
    method = assert_problem(await client.put("/v1/campaigns", headers=tenant.admin | FRENCH), 405)
    assert method["title"] == "Méthode non autorisée"

    malformed = await tenant.http.post(
        "/v1/campaigns",
        content=b"{not json",
        headers=tenant.admin | FRENCH | {"Content-Type": "application/json"},
    )
    body = assert_problem(malformed, 400)
    assert (body["title"], body["detail"]) == (
        "JSON mal formé",
        "le corps n'est pas du JSON valide",
    )

    long_key = await tenant.http.post(
        "/v1/campaigns",
        json={"name": "x"},
        headers=tenant.admin | FRENCH | {"Idempotency-Key": "k" * 300},
    )
    refused = assert_problem(long_key, 422)
    assert refused["detail"] == "Idempotency-Key fait au plus 255 caractères"
    assert_language(long_key, "fr")


async def test_the_role_refusal_in_french(tenant: Tenant) -> None:
    viewer = await tenant.key("viewer")
    response = await tenant.http.post("/v1/campaigns", json={"name": "x"}, headers=viewer | FRENCH)
    body = assert_problem(response, 403)
    assert (body["title"], body["detail"]) == (
        "Interdit",
        "cette opération exige le rôle « editor » ; la clé a le rôle « viewer »",
    )


async def test_successful_answers_are_not_marked(tenant: Tenant) -> None:
    """Only problems are written for the reader: a campaign list has no Content-Language."""
    response = await tenant.http.get("/v1/campaigns", headers=tenant.admin | FRENCH)
    assert response.status_code == 200
    assert "content-language" not in response.headers
