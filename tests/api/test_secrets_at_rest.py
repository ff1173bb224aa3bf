"""F2 (issue 15): no secret in plaintext in any table, idempotency replays included.

An idempotency record keeps the response it replays for `IDEMPOTENCY_TTL_HOURS`; for a new
API key or a webhook signing secret that response *is* the secret. The records hold it
encrypted under `SECRETS_KEY`, and a replay still hands the client its secret back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from shared.config import Settings
from shared.crypto import SecretBox, generate_key
from shared.webhooks.service import secret_box
from tests.conftest import OPERATOR_TOKEN, Tenant
from tests.helpers.problems import assert_problem

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


async def twice(
    http: httpx.AsyncClient, path: str, body: Mapping[str, object], headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """The request and a client's retry of it with the same Idempotency-Key."""
    key = {"Idempotency-Key": f"secret-{uuid.uuid4().hex}"}
    first = await http.post(path, json=body, headers={**headers, **key})
    again = await http.post(path, json=body, headers={**headers, **key})
    assert first.status_code in (200, 201), first.text
    assert again.status_code == first.status_code, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == first.content
    return first, again


async def tables_holding(resources: Resources, needles: list[str]) -> dict[str, list[str]]:
    """Every table of the public schema, each row as text (its JSON, plus every `bytea`
    column decoded so that stored plaintext reads as plaintext), searched for `needles`."""
    found: dict[str, list[str]] = {}
    async with resources.engine.connect() as conn:
        tables = (
            await conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                    "ORDER BY table_name"
                )
            )
        ).scalars()
        for table in list(tables):
            binary = (
                await conn.execute(
                    sa.text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = :t "
                        "AND data_type = 'bytea'"
                    ),
                    {"t": table},
                )
            ).scalars()
            parts = ["row_to_json(t)::text"]
            parts += [f"coalesce(encode(t.\"{column}\", 'escape'), '')" for column in binary]
            row_text = " || ' ' || ".join(parts)
            hits = (
                await conn.execute(
                    sa.text(
                        f"SELECT needle FROM unnest(CAST(:needles AS text[])) AS needle "
                        f'WHERE EXISTS (SELECT 1 FROM "{table}" AS t '
                        f"WHERE strpos({row_text}, needle) > 0)"
                    ),
                    {"needles": needles},
                )
            ).scalars()
            if held := list(hits):
                found[table] = held
    return found


async def test_no_secret_rests_in_plaintext_in_any_table(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    name = f"Secrets at rest {uuid.uuid4().hex}"
    workspace, replayed = await twice(client, "/v1/workspaces", {"name": name}, OPERATOR)
    first_admin_key = workspace.json()["api_key"]["key"]
    assert replayed.json()["api_key"]["key"] == first_admin_key
    tenant = Tenant(
        id=workspace.json()["workspace"]["id"],
        admin={"Authorization": f"Bearer {first_admin_key}"},
        http=client,
    )

    secrets = [first_admin_key]
    firsts = [workspace]
    for role in ("admin", "editor", "viewer"):
        created, replayed = await twice(
            client, "/v1/api-keys", {"name": f"{role} key", "role": role}, tenant.admin
        )
        secrets.append(created.json()["key"])
        firsts.append(created)
        assert replayed.json()["key"] == secrets[-1]
        assert replayed.json()["key"].startswith("smm_")

    hook, replayed = await twice(
        client,
        "/v1/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hooks", "description": "Publishing system"},
        tenant.admin,
    )
    secrets.append(hook.json()["secret"])
    firsts.append(hook)
    assert replayed.json()["secret"] == secrets[-1]
    rotated, replayed = await twice(
        client,
        f"/v1/webhook-endpoints/{hook.json()['id']}/rotate-secret",
        {"overlap_seconds": 3600},
        tenant.admin,
    )
    secrets.append(rotated.json()["secret"])
    firsts.append(rotated)
    assert replayed.json()["secret"] == secrets[-1]
    assert all(secret.startswith("whsec_") for secret in secrets[-2:])
    assert len(set(secrets)) == len(secrets) == 6

    # The search sees what the tables hold: the workspace's name is stored as given, and
    # the six responses are stored, to be searched too.
    assert "workspaces" in await tables_holding(resources, [name])
    keys = [response.request.headers["idempotency-key"] for response in firsts]
    async with resources.engine.connect() as conn:
        stored = await conn.scalar(
            sa.text("SELECT count(*) FROM idempotency_records WHERE key = ANY(:keys)"),
            {"keys": keys},
        )
    assert stored == 6
    assert await tables_holding(resources, secrets) == {}


async def record_of(resources: Resources, response: httpx.Response) -> str:
    """The idempotency key of the stored record whose body replays `response`."""
    key = response.request.headers["idempotency-key"]
    async with resources.engine.connect() as conn:
        stored = await conn.scalar(
            sa.text("SELECT count(*) FROM idempotency_records WHERE key = :k"), {"k": key}
        )
    assert stored == 1
    return key


async def test_a_record_stored_in_plaintext_before_encryption_still_replays(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    """Records written before bodies were encrypted (at most `IDEMPOTENCY_TTL_HOURS` old)
    say so (`body_encrypted` false) and replay as stored."""
    created, _ = await twice(
        tenant.http, "/v1/api-keys", {"name": "legacy", "role": "viewer"}, tenant.admin
    )
    key = await record_of(resources, created)
    async with resources.engine.begin() as conn:
        sealed = await conn.scalar(
            sa.text("SELECT body FROM idempotency_records WHERE key = :k"), {"k": key}
        )
        plaintext = secret_box(settings).decrypt_bytes(sealed)
        await conn.execute(
            sa.text(
                "UPDATE idempotency_records SET body = :b, body_encrypted = false WHERE key = :k"
            ),
            {"b": plaintext, "k": key},
        )
    again = await tenant.http.post(
        "/v1/api-keys",
        json={"name": "legacy", "role": "viewer"},
        headers={**tenant.admin, "Idempotency-Key": key},
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == created.content


async def test_a_record_sealed_under_a_dropped_key_is_a_500_not_a_second_run(
    tenant: Tenant, resources: Resources
) -> None:
    """SECRETS_KEY replaced instead of rotated: the stored response is unreadable. The
    request is not run a second time (that would create a second key); the retry is a 500
    until the record expires."""
    body = {"name": "orphan", "role": "viewer"}
    created, _ = await twice(tenant.http, "/v1/api-keys", body, tenant.admin)
    key = await record_of(resources, created)
    foreign = SecretBox(generate_key()).encrypt_bytes(created.content)
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE idempotency_records SET body = :b WHERE key = :k"),
            {"b": foreign, "k": key},
        )
    again = await tenant.http.post(
        "/v1/api-keys", json=body, headers={**tenant.admin, "Idempotency-Key": key}
    )
    assert_problem(again, 500)
    listed = await tenant.http.get("/v1/api-keys", headers=tenant.admin)
    assert [k["name"] for k in listed.json()["items"]].count("orphan") == 1
