"""LIS-1..LIS-3 through the API, and KPI-5 / KPI-6 on hand-computed sets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.listening import ago, ingest, mention, mentions, post, term


async def test_a_repeat_updates_and_never_duplicates(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    rows = [mention("Colis perdu, SAV injoignable 😡", external_id=f"r{i}") for i in range(3)]
    first = await ingest(tenant, resources, settings, rows)
    assert (first["kind"], first["status"], first["inserted"], first["updated"]) == (
        "mentions",
        "succeeded",
        3,
        0,
    )
    # The same mentions again: nothing changes, nothing to analyse.
    again = await post(tenant, rows)
    assert again.status_code == 202
    assert (again.json()["status"], again.json()["inserted"], again.json()["updated"]) == (
        "succeeded",
        0,
        0,
    )
    # One edited by its author (and listed twice in the batch: the last one wins).
    edited = rows[0] | {"text": "Colis retrouvé, merci le SAV, au top !"}
    batch = await ingest(
        tenant, resources, settings, [rows[0] | {"text": "brouillon"}, edited, rows[1]]
    )
    assert (batch["inserted"], batch["updated"]) == (0, 1)
    stored = await mentions(tenant)
    assert len(stored) == 3
    changed = next(m for m in stored if m["external_id"] == rows[0]["external_id"])
    assert changed["text"] == edited["text"]
    assert changed["sentiment_label"] == "positive"
    assert changed["sentiment_source"] == "analyser"
    assert all(m["sentiment_label"] == "negative" for m in stored if m is not changed)
    # Same external id on another platform is another mention.
    other = await ingest(tenant, resources, settings, [rows[1] | {"platform": "instagram"}])
    assert other["inserted"] == 1


async def test_the_workflow_survives_a_repeat_and_a_source_score_is_kept(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    row = mention("whatever", sentiment=-0.8, language="en")
    await ingest(tenant, resources, settings, [row])
    (stored,) = await mentions(tenant)
    assert (stored["sentiment"], stored["sentiment_label"], stored["sentiment_source"]) == (
        -0.8,
        "negative",
        "source",
    )
    patched = await tenant.http.patch(
        f"/v1/mentions/{stored['id']}", json={"assignee": "claire"}, headers=tenant.admin
    )
    assert patched.json()["status"] == "assigned"
    await ingest(tenant, resources, settings, [row | {"author_followers": 5000}])
    (again,) = await mentions(tenant)
    assert (again["status"], again["assignee"], again["author_followers"]) == (
        "assigned",
        "claire",
        5000,
    )


async def test_a_repeat_of_the_source_fields_alone_keeps_the_analysers_score(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    row = mention("Le SAV est nul")
    await ingest(tenant, resources, settings, [row])
    followed = await ingest(tenant, resources, settings, [row | {"author_followers": 9000}])
    assert (followed["inserted"], followed["updated"]) == (0, 1)
    (stored,) = await mentions(tenant)
    assert (stored["sentiment_source"], stored["sentiment_label"]) == ("analyser", "negative")
    again = await post(tenant, [row | {"author_followers": 9000}])
    assert (again.json()["inserted"], again.json()["updated"]) == (0, 0)


async def test_idempotency_key_replays_the_first_batch(tenant: Tenant) -> None:
    rows = [mention("hello @brand")]
    first = await post(tenant, rows, **{"Idempotency-Key": "mentions-1"})
    second = await post(tenant, rows, **{"Idempotency-Key": "mentions-1"})
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    other = await post(tenant, [mention("another")], **{"Idempotency-Key": "mentions-1"})
    assert other.status_code == 422


async def test_terms_are_matched_with_and_without_accents_and_case(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    eclat = await term(tenant, "Éclat", synonyms=["#EclatParis"])
    rival = await term(tenant, "Lumière Cosmétiques", kind="competitor")
    texts = {
        "a": "J'adore ECLAT",
        "b": "eclat, encore un retard",
        "c": "#eclatparis rupture de stock",
        "d": "rouge à lèvres éclatant",  # another word: no match
        "e": "lumiere cosmetiques > éclat",
    }
    await ingest(tenant, resources, settings, [mention(t, external_id=k) for k, t in texts.items()])
    matched = {m["external_id"]: m["term_ids"] for m in await mentions(tenant)}
    assert matched == {
        "a": [eclat["id"]],
        "b": [eclat["id"]],
        "c": [eclat["id"]],
        "d": [],
        "e": [rival["id"], eclat["id"]],
    }
    only = await mentions(tenant, term_id=rival["id"])
    assert [m["external_id"] for m in only] == ["e"]
    # A term a policy watches cannot be deleted from under it.
    policy = await tenant.http.post(
        "/v1/escalation-policies",
        json={"name": "rival watch", "term_ids": [rival["id"]]},
        headers=tenant.admin,
    )
    assert policy.status_code == 201, policy.text
    refused = await tenant.http.delete(f"/v1/tracked-terms/{rival['id']}", headers=tenant.admin)
    assert refused.status_code == 409
    # Deleting a term removes it from the matches.
    deleted = await tenant.http.delete(f"/v1/tracked-terms/{eclat['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    assert await mentions(tenant, term_id=eclat["id"]) == []
    duplicate = await tenant.http.post(
        "/v1/tracked-terms",
        json={"term": "Lumière Cosmétiques", "kind": "brand"},
        headers=tenant.admin,
    )
    assert duplicate.status_code == 409


async def test_filters(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    await ingest(
        tenant,
        resources,
        settings,
        [
            mention("Le SAV est nul, remboursement refusé", external_id="fr-neg"),
            mention("The new app is great!", external_id="en-pos", platform="instagram"),
            mention("Vous êtes ouverts dimanche ?", external_id="fr-q", posted_at=ago(days=2)),
        ],
    )

    async def ids(**params: Any) -> set[str]:
        return {m["external_id"] for m in await mentions(tenant, **params)}

    assert await ids(sentiment="negative") == {"fr-neg"}
    assert await ids(language="en") == {"en-pos"}
    assert await ids(platform="instagram") == {"en-pos"}
    assert await ids(q="REMBOURSEMENT REFUSE") == {"fr-neg"}
    assert await ids(q="ouverts dimanche") == {"fr-q"}
    assert await ids(**{"from": ago(days=1)}) == {"fr-neg", "en-pos"}
    assert await ids(**{"to": ago(days=1)}) == {"fr-q"}
    assert await ids(status="new") == {"fr-neg", "en-pos", "fr-q"}
    assert await ids(q="50%_") == set()
    bad = await tenant.http.get("/v1/mentions", params={"sentiment": "angry"}, headers=tenant.admin)
    assert bad.status_code == 422


async def test_responded_at_is_stamped_once(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await ingest(
        tenant,
        resources,
        settings,
        [
            mention("Pourquoi ma commande n'arrive pas ?"),
            mention("Nouvelle vidéo https://yt.example/watch?v=abc", external_id="link"),
        ],
    )
    link, row = sorted(await mentions(tenant), key=lambda m: m["external_id"] != "link")
    assert (row["is_question"], link["is_question"]) == (True, False)
    url = f"/v1/mentions/{row['id']}"
    answered = await tenant.http.patch(url, json={"status": "responded"}, headers=tenant.admin)
    assert answered.status_code == 200, answered.text
    stamped = answered.json()["responded_at"]
    assert stamped is not None
    assert answered.headers["ETag"] == '"v2"'
    again = await tenant.http.patch(url, json={"status": "ignored"}, headers=tenant.admin)
    assert again.status_code == 409
    noted = await tenant.http.patch(url, json={"needs_response": True}, headers=tenant.admin)
    assert noted.json()["responded_at"] == stamped
    stale = await tenant.http.patch(
        url, json={"assignee": "x"}, headers=tenant.admin | {"If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    unknown = await tenant.http.patch(url, json={"sentiment": 1}, headers=tenant.admin)
    assert unknown.status_code == 422
    viewer = await tenant.key("viewer")
    refused = await tenant.http.patch(url, json={"assignee": "x"}, headers=viewer)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        # The test API's body limit (256 KiB) answers before the row count does.
        ({"mentions": [mention("x")] * 5001}, 413),
        ({"mentions": []}, 422),
        ({"mentions": [mention("x", posted_at="2026-11-20T10:00:00")]}, 422),
        ({"mentions": [mention("x", sentiment=1.5)]}, 422),
        ({"mentions": [mention("x", author_followers=-1)]}, 422),
        ({"mentions": [mention("x", author_followers="12")]}, 422),
        ({"mentions": [mention("x", language="de")]}, 422),
        ({"mentions": [mention("x", posted_at=ago(days=-1))]}, 422),
        ({"mentions": [mention("x", platform="myspace")]}, 422),
        ({"mentions": [mention("x", shoe_size=42)]}, 422),
        ({"mentions": [mention("")]}, 422),
        ({"mentions": [mention("ok"), mention("x", url="javascript:alert(1)")]}, 422),
    ],
)
async def test_bad_input_writes_nothing(tenant: Tenant, body: dict[str, Any], status: int) -> None:
    response = await tenant.http.post("/v1/mentions", json=body, headers=tenant.admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await mentions(tenant) == []


async def test_malformed_json_and_nan_write_nothing(tenant: Tenant) -> None:
    for raw in (b'{"mentions": [', b'{"mentions": [{"sentiment": NaN}]}'):
        response = await tenant.http.post(
            "/v1/mentions",
            content=raw,
            headers=tenant.admin | {"Content-Type": "application/json"},
        )
        assert response.status_code in (400, 422), response.text
    assert await mentions(tenant) == []


async def test_sql_and_html_are_stored_verbatim(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    text = "'); DROP TABLE mentions; -- <script>alert('x')</script> @marque"
    await ingest(tenant, resources, settings, [mention(text, author_handle="<b>x</b>")])
    (row,) = await mentions(tenant)
    assert (row["text"], row["author_handle"]) == (text, "<b>x</b>")


async def test_share_of_voice(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    brand = await term(tenant, "Éclat")
    rival = await term(tenant, "Lumière", kind="competitor")
    other = await term(tenant, "Brume", kind="competitor")
    await ingest(
        tenant,
        resources,
        settings,
        [
            mention("Éclat est génial", sentiment=0.8),
            mention("éclat au top", sentiment=0.6),
            mention("eclat c'est nul", sentiment=-0.7),
            mention("éclat, commande reçue", sentiment=0.0),
            mention("lumière ou éclat ?", sentiment=0.0),
            mention("Lumière super", sentiment=0.9),
            mention("brume bof", sentiment=-0.4),
            mention("rien à voir", sentiment=0.5),
            mention("éclat trop tôt", sentiment=0.9, posted_at=ago(days=10)),
        ],
    )
    response = await tenant.http.get(
        "/v1/kpis/share-of-voice", params={"from": ago(days=1)}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    report = response.json()
    # Brand: 5 mentions (2 positive, 1 negative); competitors: 3 distinct mentions.
    assert report["brand"] == {"mentions": 5, "share": 0.625}
    assert report["competitors"] == {"mentions": 3, "share": 0.375}
    assert report["brand_net_sentiment"] == 0.2
    by_term = {t["term_id"]: t for t in report["terms"]}
    assert (by_term[brand["id"]]["mentions"], by_term[brand["id"]]["share"]) == (5, 0.625)
    assert (by_term[rival["id"]]["mentions"], by_term[rival["id"]]["share"]) == (2, 0.25)
    assert (by_term[other["id"]]["mentions"], by_term[other["id"]]["net_sentiment"]) == (1, -1.0)
    csv = await tenant.http.get(
        "/v1/kpis/share-of-voice",
        params={"format": "csv", "csv_dialect": "rfc4180", "csv_header": "keys"},
        headers=tenant.admin,
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("term_id,term,kind,mentions")


async def test_responsiveness(tenant: Tenant, resources: Resources, settings: Settings) -> None:
    rows = [
        mention("nul", sentiment=-0.9, posted_at=ago(hours=10)),  # answered after 1 h
        mention("nul", sentiment=-0.9, posted_at=ago(hours=10)),  # after 3 h
        mention("nul", sentiment=-0.9, posted_at=ago(hours=10)),  # after 5 h
        mention("une question ?", sentiment=0.0, posted_at=ago(hours=10)),  # never
        mention("super", sentiment=0.9, posted_at=ago(hours=10)),  # not needing one
    ]
    await ingest(tenant, resources, settings, rows)
    stored = {m["external_id"]: m for m in await mentions(tenant)}
    for row, hours in zip(rows[:3], (1, 3, 5), strict=True):
        ident = stored[row["external_id"]]["id"]
        answered = await tenant.http.patch(
            f"/v1/mentions/{ident}", json={"status": "responded"}, headers=tenant.admin
        )
        assert answered.status_code == 200
        # The response times are set by hand: the test cannot wait hours.
        await _respond_at(resources, ident, row["posted_at"], hours)
    response = await tenant.http.get("/v1/kpis/responsiveness", headers=tenant.admin)
    report = response.json()
    assert (report["needing_response"], report["responded"], report["response_rate"]) == (
        4,
        3,
        0.75,
    )
    assert report["median_response_seconds"] == 3 * 3600
    assert report["p90_response_seconds"] == pytest.approx(4.6 * 3600)


async def _respond_at(resources: Resources, ident: str, posted_at: str, hours: int) -> None:
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE mentions SET responded_at = CAST(:posted AS timestamptz) + "
                "make_interval(hours => :hours) WHERE id = CAST(:id AS uuid)"
            ),
            {"posted": datetime.fromisoformat(posted_at), "hours": hours, "id": ident},
        )


async def test_a_batch_reads_queued_and_its_mentions_unscored_until_analysed(
    tenant: Tenant,
) -> None:
    response = await post(tenant, [mention("pending")])
    batch = await tenant.http.get(response.headers["Location"], headers=tenant.admin)
    assert batch.json()["status"] == "queued"
    (row,) = await mentions(tenant)
    assert (row["sentiment"], row["analysed_at"]) == (None, None)
