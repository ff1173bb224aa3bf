"""Idempotency records in PostgreSQL (API-6).

A POST with an Idempotency-Key takes a lock for its (caller, key), replays the record a
first request left, or saves its own first response. Everything runs in the request's
transaction, so the record commits, or rolls back, with the writes it reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.crypto import SecretBox
from shared.idempotency.models import IdempotencyRecord
from shared.idempotency.sealing import seal


@dataclass(frozen=True)
class Slot:
    """One caller's Idempotency-Key: keys are scoped per credential, as clients expect."""

    #: SHA-256 of the caller's credential, so no credential is stored.
    scope: str
    key: str

    @classmethod
    def of(cls, credential: str, key: str) -> Slot:
        return cls(hashlib.sha256(credential.encode()).hexdigest(), key)


@dataclass(frozen=True)
class FirstResponse:
    """What a retry gets back: the status, the headers worth replaying, the body."""

    status_code: int
    headers: dict[str, str]
    body: bytes


def _canonical(body: bytes) -> bytes:
    """A JSON body with its keys sorted and no spacing, so a retry that re-orders or
    re-spaces the same object is the same request; anything else as sent."""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    """The request a key was first used with: a key reused for another is refused."""
    parts = [method.encode(), path.encode(), query, _canonical(body)]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


async def try_lock(session: AsyncSession, slot: Slot) -> bool:
    """False while another transaction holds the slot (its request is still running).
    The lock is the transaction's: COMMIT or ROLLBACK releases it."""
    locked = await session.scalar(
        sa.select(
            sa.func.pg_try_advisory_xact_lock(
                sa.func.hashtextextended(slot.scope + ":" + slot.key, 0)
            )
        )
    )
    return bool(locked)


async def live_record(session: AsyncSession, slot: Slot, now: datetime) -> IdempotencyRecord | None:
    """The slot's unexpired record, detached from the session so its values outlive the
    rollback that precedes a replay."""
    stored = await session.get(IdempotencyRecord, (slot.scope, slot.key))
    if stored is None or stored.expires_at <= now:
        return None
    session.expunge(stored)
    return stored


async def save(
    session: AsyncSession,
    slot: Slot,
    hashed: str,
    response: FirstResponse,
    box: SecretBox,
    now: datetime,
    ttl: timedelta,
) -> None:
    """Writes the record, replacing an expired one for the slot. The body rests sealed
    (SEC-4): it may be a new API key or webhook secret."""
    record = {
        "request_hash": hashed,
        "status_code": response.status_code,
        "headers": response.headers,
        "body": seal(box, response.body),
        "body_encrypted": True,
        "created_at": now,
        "expires_at": now + ttl,
    }
    upsert = insert(IdempotencyRecord).values(scope=slot.scope, key=slot.key, **record)
    await session.execute(
        upsert.on_conflict_do_update(index_elements=["scope", "key"], set_=record)
    )


async def purge_expired(session: AsyncSession, now: datetime) -> None:
    """Records past their TTL: no retry can replay them any more."""
    await session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now))
