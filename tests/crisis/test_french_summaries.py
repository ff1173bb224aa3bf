"""Issue 18: what the crisis worker writes for a team is in its workspace's language: the
alert's summary (stored, and sent by webhook) and the default playbook. Not the reader's
`Accept-Language`: one alert is written once, for everyone."""

from __future__ import annotations

from typing import Any

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant, TenantFactory
from tests.helpers.listening import ingest, mention, term

#: Negative mentions alone are a crisis from the first five (no baseline needed).
TOUCHY = {"min_mentions": 5, "levels": [{"level": "crisis", "negative_share": 0.5}]}
ANGRY = "Éclat arnaque totale, remboursement refusé 😡 #BoycottEclat"


async def _policy(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await tenant.http.post(
        "/v1/escalation-policies", json={"name": "Crise", **TOUCHY, **fields}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _storm(tenant: Tenant, resources: Resources, settings: Settings) -> dict[str, Any]:
    """Five angry mentions, analysed and evaluated as the worker does: the alert opened."""
    batch = [mention(ANGRY, author_followers=40_000 if i == 0 else 10) for i in range(5)]
    assert (await ingest(tenant, resources, settings, batch))["status"] == "succeeded"
    # Read in English: the summary is the workspace's, not the reader's.
    response = await tenant.http.get("/v1/alerts", headers=tenant.admin | {"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    (alert,) = response.json()["items"]
    assert alert["level"] == "crisis"
    return dict(alert)


async def test_a_french_workspace_reads_french_summaries_and_playbooks(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await term(tenant, "Éclat")
    policy = await _policy(tenant)
    assert [step["text"] for step in policy["playbook"]][:3] == [
        "Lire les mentions d'exemple et l'explication de l'alerte : ce qui monte, qui parle, où",
        "Suspendre les publications programmées et les campagnes payantes sur les "
        "plateformes concernées",
        "Rédiger une déclaration d'attente et la faire valider",
    ]
    assert policy["playbook"][0]["owner_role"] == "community_manager"  # an identifier
    alert = await _storm(tenant, resources, settings)
    summary = alert["explanation"]["summary"]
    assert summary.startswith("5 mentions en 60 min ; 100\u202f% négatives ; ")
    assert "en hausse : #boycotteclat (nouveau)" in summary
    assert summary.endswith("auteur le plus suivi @someone (40\u202f000 abonnés)")
    assert alert["playbook"][2]["text"] == "Rédiger une déclaration d'attente et la faire valider"
    assert [step["done"] for step in alert["playbook"]] == [False] * 5


async def test_an_english_workspace_reads_english(
    make_tenant: TenantFactory, resources: Resources, settings: Settings
) -> None:
    tenant = await make_tenant(locale="en-GB")
    await term(tenant, "Éclat")
    policy = await _policy(tenant)
    assert policy["playbook"][2]["text"] == "Draft a holding statement and have it approved"
    alert = await _storm(tenant, resources, settings)
    summary = alert["explanation"]["summary"]
    assert summary.startswith("5 mentions in 60 min; 100% negative; ")
    assert summary.endswith("top author @someone (40,000 followers)")


async def test_a_playbook_given_or_empty_is_kept(tenant: Tenant) -> None:
    """The default fills an omitted playbook only: `[]` is no playbook, and steps given
    are kept as written, whatever the language."""
    empty = await _policy(tenant, playbook=[])
    assert empty["playbook"] == []
    own = await _policy(tenant, playbook=[{"text": "Call Marie", "owner_role": "lead"}])
    assert own["playbook"] == [{"text": "Call Marie", "owner_role": "lead"}]


async def test_the_workspace_language_changes_what_is_written_next(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    moved = await tenant.http.patch("/v1/workspace", json={"language": "en"}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    await term(tenant, "Éclat")
    policy = await _policy(tenant)
    assert policy["playbook"][-1]["text"] == "Write the postmortem once the alert is resolved"
    alert = await _storm(tenant, resources, settings)
    assert alert["explanation"]["summary"].startswith("5 mentions in 60 min")
