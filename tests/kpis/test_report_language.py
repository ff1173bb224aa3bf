"""Issue 18: the reports' human texts in the workspace's language: weekday names, funnel
stage labels and CSV headers. Identifiers (stage ids, field keys, enum values) stay as
they are in every language."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant, TenantFactory
from tests.helpers.reports import seed

FRENCH_DAYS = {"Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"}
ENGLISH_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


async def _json(tenant: Tenant, path: str) -> dict[str, Any]:
    response = await tenant.http.get(f"/v1/kpis{path}", headers=tenant.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _header(tenant: Tenant, path: str, **params: str) -> tuple[list[str], str | None]:
    response = await tenant.http.get(
        f"/v1/kpis{path}",
        params={"export": "csv", "csv_dialect": "rfc4180", **params},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    header = next(csv.reader(io.StringIO(response.text)))
    return header, response.headers.get("content-language")


@pytest.mark.parametrize(
    ("locale", "days", "stages", "headers"),
    [
        (
            "fr-FR",
            FRENCH_DAYS,
            ["Captation", "Activation", "Considération", "Conversion"],
            {
                "/best-times": ["Jour (1-7)", "Jour", "Heure", "Contenus", "Taux d'engagement"],
                "/funnel": ["Type", "Nom", "Libellé", "Compteur", "Nombre", "Taux de passage"],
            },
        ),
        (
            "en-GB",
            ENGLISH_DAYS,
            ["Awareness", "Activation", "Consideration", "Conversion"],
            {
                "/best-times": ["Weekday (1-7)", "Weekday", "Hour", "Items", "Engagement rate"],
                "/funnel": ["Kind", "Name", "Label", "Counter", "Count", "Pass rate"],
            },
        ),
    ],
)
async def test_reports_read_in_the_workspace_language(
    make_tenant: TenantFactory,
    resources: Resources,
    settings: Settings,
    locale: str,
    days: set[str],
    stages: list[str],
    headers: dict[str, list[str]],
) -> None:
    tenant = await make_tenant(locale=locale)
    await seed(tenant, resources, settings)
    times = await _json(tenant, "/best-times")
    assert times["slots"]
    assert {slot["weekday_name"] for slot in times["slots"]} <= days
    funnel = await _json(tenant, "/funnel")
    assert [s["label"] for s in funnel["stages"]] == stages
    assert [s["name"] for s in funnel["stages"]] == [
        "awareness",
        "activation",
        "consideration",
        "conversion",
    ]
    for path, start in headers.items():
        header, language = await _header(tenant, path)
        assert header[: len(start)] == start
        assert language == locale[:2]
        keys, unmarked = await _header(tenant, path, csv_header="keys")
        assert keys[:2] in (["weekday", "weekday_name"], ["kind", "name"])  # any language
        assert unmarked is None
    labelled, _ = await _header(tenant, "", group_by="campaign")
    assert labelled[:2] == (
        ["ID de la campagne", "Nom"] if locale == "fr-FR" else ["Campaign ID", "Name"]
    )


async def test_a_language_change_relabels_the_next_report(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    await seed(tenant, resources, settings)
    assert {s["weekday_name"] for s in (await _json(tenant, "/best-times"))["slots"]} <= FRENCH_DAYS
    moved = await tenant.http.patch("/v1/workspace", json={"language": "en"}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    slots = (await _json(tenant, "/best-times"))["slots"]
    assert {s["weekday_name"] for s in slots} <= ENGLISH_DAYS
    header, language = await _header(tenant, "/best-times")
    assert (header[1], language) == ("Weekday", "en")
