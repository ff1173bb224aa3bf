"""Replayable response bodies at rest (SEC-4, issue 15 F2).

The first response to an Idempotency-Key is kept for `IDEMPOTENCY_TTL_HOURS` so a retry
gets it back, and for `POST /v1/api-keys`, `POST /v1/workspaces` and webhook endpoint
creation or secret rotation that response *is* the secret. Every body is encrypted, not
only those: one rule, nothing to keep in step with the routes that answer a secret, and
the bodies stored are small (a bulk ingest answers a summary, not its rows).
"""

from __future__ import annotations

from shared.crypto import SecretBox
from shared.idempotency.models import IdempotencyRecord


def seal(box: SecretBox, body: bytes) -> bytes:
    return box.encrypt_bytes(body)


def replay_body(box: SecretBox, record: IdempotencyRecord) -> bytes:
    """The body as first sent. Raises `UndecryptableError` when no key of `SECRETS_KEY`
    opens it (the key was replaced instead of rotated)."""
    if not record.body_encrypted:
        return record.body
    return box.decrypt_bytes(record.body)
