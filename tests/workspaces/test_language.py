"""Issue 18: a workspace's language (fr, en): given at creation or taken from its locale,
changed by PATCH, read back; migration 0016 gave the existing workspaces their locale's."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.db.migrate import upgrade
from tests.conftest import Tenant, TenantFactory
from tests.harness import Services
from tests.helpers import databases
from tests.helpers.problems import assert_problem


async def _workspace(tenant: Tenant) -> dict[str, str]:
    response = await tenant.http.get("/v1/workspace", headers=tenant.admin)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


@pytest.mark.parametrize(
    ("fields", "language"),
    [
        ({}, "fr"),  # the default locale, fr-FR
        ({"locale": "en-GB"}, "en"),
        ({"locale": "en-US"}, "en"),
        ({"locale": "fr-FR", "language": "en"}, "en"),  # given: kept
        ({"locale": "en-US", "language": "fr"}, "fr"),
    ],
)
async def test_a_new_workspace_speaks_its_locale_unless_told(
    make_tenant: TenantFactory, fields: dict[str, str], language: str
) -> None:
    tenant = await make_tenant(**fields)
    assert (await _workspace(tenant))["language"] == language


async def test_the_language_changes_by_patch(tenant: Tenant) -> None:
    moved = await tenant.http.patch("/v1/workspace", json={"language": "en"}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["language"] == "en"
    assert (await _workspace(tenant))["language"] == "en"
    for bad in (None, "de", "fr-FR", "FR"):
        refused = await tenant.http.patch(
            "/v1/workspace", json={"language": bad}, headers=tenant.admin
        )
        assert_problem(refused, 422)
    assert (await _workspace(tenant))["language"] == "en"  # nothing written


async def _backfill(admin_url: str, url: str, name: str) -> dict[str, str]:
    await databases.recreate(admin_url, name)
    await asyncio.to_thread(upgrade, url, "0015")
    conn = await asyncpg.connect(url)
    try:
        for locale in ("fr-FR", "en-GB", "en-US"):
            await conn.execute(
                "INSERT INTO workspaces (id, name, timezone, currency, locale, settings, "
                "version, created_at, updated_at) "
                "VALUES ($1, $2, 'Europe/Paris', 'EUR', $2, '{}', 1, now(), now())",
                uuid.uuid4(),
                locale,
            )
        await asyncio.to_thread(upgrade, url, "0016")
        rows = await conn.fetch("SELECT locale, language FROM workspaces")
        return {row["locale"]: row["language"] for row in rows}
    finally:
        await conn.close()


def test_migration_0016_gives_existing_workspaces_their_locale_language(
    services: Services,
) -> None:
    base, _, _ = services.database_url.rpartition("/")
    name = "smm_migration_language"
    languages = asyncio.run(_backfill(f"{base}/postgres", f"{base}/{name}", name))
    assert languages == {"fr-FR": "fr", "en-GB": "en", "en-US": "en"}
