"""The community manager's inbox: `GET /v1/mentions?needs_response=` lists what KPI-6
counts, and `?ids=` fetches given mentions (an alert's samples) in one call.

Every mention carries its `sentiment` and `language` from the source, so the sets do not
depend on the analyser."""

from __future__ import annotations

import uuid
from typing import Any

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant, TenantFactory
from tests.helpers.listening import ago, ingest, mention, mentions, post
from tests.helpers.problems import Problem, assert_problem

NEEDING = {"neg", "question", "neg-question", "flagged", "answered", "ignored", "insta-neg"}


async def _inbox(tenant: Tenant, resources: Resources, settings: Settings) -> dict[str, str]:
    """One mention per case, by external id -> mention id."""

    def row(external_id: str, text: str, sentiment: float, **fields: Any) -> dict[str, Any]:
        return mention(text, external_id=external_id, sentiment=sentiment, language="fr", **fields)

    await ingest(
        tenant,
        resources,
        settings,
        [
            row("neg", "Service client nul, colis perdu", -0.8),
            row("question", "Vous livrez au Canada ?", 0.0),
            row("neg-question", "Pourquoi c'est si lent ?", -0.6),
            row("flagged", "Super produit, je recommande", 0.7),
            row("answered", "Remboursement refusé, honteux", -0.9),
            row("ignored", "Ça sort quand ?", 0.0),
            row("positive", "J'adore la nouvelle collection", 0.6),
            row("neutral", "Commande reçue aujourd'hui", 0.0),
            row("unflagged", "Livraison mardi", 0.0),
            row("insta-neg", "Déçue par la qualité", -0.5, platform="instagram"),
            row("old-neg", "Toujours aussi nul", -0.7, posted_at=ago(days=3)),
            # A link with a question mark in it is no question.
            row("link", "Nouvelle vidéo https://yt.example/watch?v=abc", 0.2),
        ],
    )
    # Sent but not analysed yet: KPI-6 does not count it, flagged or not.
    pending = await post(tenant, [row("pending", "Une question ?", -0.9)])
    assert pending.status_code == 202, pending.text
    ids = {m["external_id"]: m["id"] for m in await mentions(tenant, limit=200)}
    for external_id, change in (
        ("flagged", {"needs_response": True}),
        ("answered", {"status": "responded"}),
        ("ignored", {"status": "ignored"}),
        ("unflagged", {"needs_response": True}),
        ("unflagged", {"needs_response": False}),
        ("pending", {"needs_response": True}),
    ):
        patched = await tenant.http.patch(
            f"/v1/mentions/{ids[external_id]}", json=change, headers=tenant.admin
        )
        assert patched.status_code == 200, patched.text
    return ids


async def _external_ids(tenant: Tenant, **params: Any) -> list[str]:
    """Every page of the list, followed by its cursor, sorted (a batch's mentions share
    their created_at, so the list's order among them is their random ids')."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        response = await tenant.http.get(
            "/v1/mentions",
            params={**params, **({"cursor": cursor} if cursor else {})},
            headers=tenant.admin,
        )
        assert response.status_code == 200, response.text
        found += [m["external_id"] for m in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return sorted(found)


async def _kpi6(tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await tenant.http.get("/v1/kpis/responsiveness", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_needs_response_lists_exactly_what_kpi6_counts(
    tenant: Tenant, make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    await _inbox(tenant, resources, settings)
    other = await make_tenant("Another brand")
    await ingest(other, resources, settings, [mention("Nul ?", sentiment=-0.9, language="fr")])

    needing = await _external_ids(tenant, needs_response="true", limit=3)
    assert needing == sorted(NEEDING | {"old-neg"})
    report = await _kpi6(tenant)
    assert (report["needing_response"], report["responded"]) == (len(needing), 1)
    # The same scopes on both sides give the same figure.
    for scope in (
        {"platform": "instagram"},
        {"platform": "x"},
        {"from": ago(days=1)},
        {"to": ago(days=1)},
        {"language": "fr"},
        {"language": "en"},
    ):
        listed = await _external_ids(tenant, needs_response="true", **scope)
        assert len(listed) == (await _kpi6(tenant, **scope))["needing_response"], scope
    assert await _external_ids(tenant, needs_response="true", platform="instagram") == ["insta-neg"]
    assert await _external_ids(tenant, needs_response="true", **{"from": ago(days=1)}) == sorted(
        NEEDING
    )


async def test_needs_response_false_is_the_complement(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await _inbox(tenant, resources, settings)
    every = await _external_ids(tenant)
    needing = await _external_ids(tenant, needs_response="true")
    rest = await _external_ids(tenant, needs_response="false", limit=2)
    assert rest == ["link", "neutral", "pending", "positive", "unflagged"]
    assert not set(needing) & set(rest)
    assert sorted(needing + rest) == every
    # Combined with the other filters like any of them.
    assert await _external_ids(tenant, needs_response="false", sentiment="positive") == [
        "link",
        "positive",
    ]
    assert await _external_ids(tenant, needs_response="true", status="new") == [
        "flagged",
        "insta-neg",
        "neg",
        "neg-question",
        "old-neg",
        "question",
    ]


async def test_response_reasons_say_why_and_match_the_filter(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    ids = await _inbox(tenant, resources, settings)
    reasons = {
        m["external_id"]: (m["response_reasons"], m["needs_response"])
        for m in await mentions(tenant, limit=200)
    }
    assert reasons == {
        "neg": (["negative"], False),
        "question": (["question"], False),
        "neg-question": (["negative", "question"], False),
        "flagged": (["flagged"], True),
        "answered": (["negative"], False),
        "ignored": (["question"], False),
        "positive": ([], False),
        "neutral": ([], False),
        "unflagged": ([], False),
        "insta-neg": (["negative"], False),
        "old-neg": (["negative"], False),
        "link": ([], False),
        # Flagged by a person, but judged (and counted by KPI-6) once analysed.
        "pending": ([], True),
    }
    needing = set(await _external_ids(tenant, needs_response="true"))
    assert needing == {external_id for external_id, (why, _) in reasons.items() if why}
    one = await tenant.http.get(f"/v1/mentions/{ids['neg-question']}", headers=tenant.admin)
    assert one.json()["response_reasons"] == ["negative", "question"]
    # A person's flag on a negative mention adds a reason; it cannot take one away.
    flagged = await tenant.http.patch(
        f"/v1/mentions/{ids['neg']}", json={"needs_response": True}, headers=tenant.admin
    )
    assert flagged.json()["response_reasons"] == ["negative", "flagged"]
    unflagged = await tenant.http.patch(
        f"/v1/mentions/{ids['neg']}", json={"needs_response": False}, headers=tenant.admin
    )
    assert unflagged.json()["response_reasons"] == ["negative"]


async def test_ids_returns_exactly_the_asked_mentions_of_this_workspace(
    tenant: Tenant, make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    ids = await _inbox(tenant, resources, settings)
    other = await make_tenant("Another brand")
    await ingest(other, resources, settings, [mention("Nul", sentiment=-0.9, external_id="theirs")])
    (theirs,) = [m["id"] for m in await mentions(other)]
    asked = [ids["neg"], ids["positive"], ids["pending"], ids["old-neg"]]

    got = await _external_ids(tenant, ids=[*asked, theirs, str(uuid.uuid4())])
    assert got == ["neg", "old-neg", "pending", "positive"]
    # Another workspace's id is absent, never refused nor shown, on its own too.
    assert await _external_ids(tenant, ids=[theirs]) == []
    assert await _external_ids(other, ids=asked) == []
    # Combined with the other filters, repeated ids, and pagination.
    assert await _external_ids(tenant, ids=asked, needs_response="true") == ["neg", "old-neg"]
    assert await _external_ids(tenant, ids=asked, sentiment="positive") == ["positive"]
    assert await _external_ids(tenant, ids=[*asked, *asked], limit=1) == got
    # 100 ids is the most, and enough for one page of 100.
    hundred = [*asked, *(str(uuid.uuid4()) for _ in range(96))]
    response = await tenant.http.get(
        "/v1/mentions", params={"ids": hundred, "limit": 100}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 4
    assert response.json()["next_cursor"] is None


async def test_ids_refuses_more_than_100_and_malformed_ids_with_a_problem(
    tenant: Tenant,
) -> None:
    too_many = await tenant.http.get(
        "/v1/mentions",
        params={"ids": [str(uuid.uuid4()) for _ in range(101)]},
        headers=tenant.admin,
    )
    assert _error_locs(assert_problem(too_many, 422)) == [["query", "ids"]]
    # Repeat the parameter: a comma-separated list is one malformed id.
    for bad in (["not-a-uuid"], [str(uuid.uuid4()), "12345"], [f"{uuid.uuid4()},{uuid.uuid4()}"]):
        malformed = await tenant.http.get("/v1/mentions", params={"ids": bad}, headers=tenant.admin)
        locs = _error_locs(assert_problem(malformed, 422))
        assert locs == [["query", "ids", len(bad) - 1]], bad


def _error_locs(problem: Problem) -> list[object]:
    errors = problem["errors"]
    assert isinstance(errors, list)
    return [error["loc"] for error in errors]
