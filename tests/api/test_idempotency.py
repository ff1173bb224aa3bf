"""API-6 at the edges of an idempotency record's life: a key still in flight, a record past
its TTL, and the hourly purge."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.main import purge_idempotency
from shared.config import Settings
from tests.conftest import Tenant


async def expire(resources: Resources, key: str) -> None:
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE idempotency_records SET expires_at = now() - interval '1 s' WHERE key = :k"
            ),
            {"k": key},
        )


async def campaigns(resources: Resources, tenant: Tenant) -> int:
    async with resources.engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.text("SELECT count(*) FROM campaigns WHERE workspace_id = :w"),
                {"w": uuid.UUID(tenant.id)},
            )
        )


async def records(resources: Resources, key: str) -> list[str]:
    """The request hashes stored under `key`, whoever the caller."""
    async with resources.engine.connect() as conn:
        rows = await conn.scalars(
            sa.text("SELECT request_hash FROM idempotency_records WHERE key = :k"), {"k": key}
        )
        return list(rows)


async def test_a_key_still_in_flight_is_409_and_runs_nothing(
    tenant: Tenant, resources: Resources
) -> None:
    key = f"in-flight-{uuid.uuid4().hex}"
    caller = hashlib.sha256(tenant.admin["Authorization"].encode()).hexdigest()
    body = {"name": "Spring", "objective": "sales"}
    headers = {**tenant.admin, "Idempotency-Key": key}
    async with resources.engine.connect() as first:
        # The lock the first request of this (caller, key) holds while it runs.
        await first.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:slot, 0))"),
            {"slot": f"{caller}:{key}"},
        )
        busy = await tenant.http.post("/v1/campaigns", json=body, headers=headers)
        assert busy.status_code == 409, busy.text
        assert busy.json()["type"] == "/problems/idempotency-in-flight"
        assert await campaigns(resources, tenant) == 0
        await first.rollback()
    done = await tenant.http.post("/v1/campaigns", json=body, headers=headers)
    assert done.status_code == 201, done.text
    assert "idempotent-replayed" not in done.headers


async def test_an_expired_record_is_replaced_by_the_next_request(
    tenant: Tenant, resources: Resources
) -> None:
    key = f"expired-{uuid.uuid4().hex}"
    headers = {**tenant.admin, "Idempotency-Key": key}
    first = await tenant.http.post(
        "/v1/campaigns", json={"name": "A", "objective": "sales"}, headers=headers
    )
    [first_hash] = await records(resources, key)
    await expire(resources, key)

    # Past its TTL the key is free: another body runs (no 422) and is stored in its place.
    other = await tenant.http.post(
        "/v1/campaigns", json={"name": "B", "objective": "sales"}, headers=headers
    )
    assert other.status_code == 201, other.text
    assert "idempotent-replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]
    [other_hash] = await records(resources, key)
    assert other_hash != first_hash
    again = await tenant.http.post(
        "/v1/campaigns", json={"name": "B", "objective": "sales"}, headers=headers
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == other.json()
    assert await campaigns(resources, tenant) == 2


async def test_the_purge_deletes_expired_records_only(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    old, live = f"old-{uuid.uuid4().hex}", f"live-{uuid.uuid4().hex}"
    for key in (old, live):
        created = await tenant.http.post(
            "/v1/campaigns",
            json={"name": key, "objective": "sales"},
            headers={**tenant.admin, "Idempotency-Key": key},
        )
        assert created.status_code == 201, created.text
    await expire(resources, old)
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    await purge_idempotency({"app": wc})
    assert await records(resources, old) == []
    assert len(await records(resources, live)) == 1
