"""What goes over the wire (WH-2): the Standard Webhooks body and headers.

Signatures come from the `standardwebhooks` library itself, so what we sign is exactly
what its `verify` checks on the receiving side.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
USER_AGENT = "smm-platform-webhooks/1.0"


def generate_secret() -> str:
    """256 random bits, in the `whsec_<base64>` form receivers' libraries take as is."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body(event_type: str, occurred_at: datetime, data: Any) -> bytes:
    """The same bytes on every attempt: a receiver may hash or store the raw body."""
    return orjson.dumps({"type": event_type, "timestamp": rfc3339(occurred_at), "data": data})


@lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def headers(
    message_id: str, payload: bytes, secrets: Sequence[str], now: datetime
) -> dict[str, str]:
    """`webhook-timestamp` is the attempt's time (receivers refuse stale ones); during a
    secret rotation every current secret signs, space-separated, as the spec allows."""
    text = payload.decode()
    signature = " ".join(_signer(secret).sign(message_id, now, text) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
