from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, utcnow


class IdempotencyRecord(Base):
    """The first successful response to (caller, Idempotency-Key), stored in the same
    transaction as the writes it reports (API-6)."""

    __tablename__ = "idempotency_records"

    #: SHA-256 of the caller's credential: keys are scoped per API key, as clients expect.
    scope: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.SmallInteger)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    #: The response body, as `shared.idempotency.sealing` stores it: it may be a new API key
    #: or a webhook secret, so it rests encrypted under `SECRETS_KEY` (SEC-4).
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: False only on records written before bodies were encrypted (migration 0010): those
    #: replay as stored until they expire.
    body_encrypted: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    expires_at: Mapped[datetime] = mapped_column(index=True)
