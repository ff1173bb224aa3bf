"""Tracked event ingestion (EVT-1): validated all or nothing, stored set-based."""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.bulk import Bulk, amount_misfits, stored_amount
from shared.content.references import read_targets
from shared.db import partitions
from shared.db.uow import UnitOfWork
from shared.errors import FieldError
from shared.events import pii
from shared.events.models import VALUED, TrackedEvent
from shared.events.schemas import EventIn, EventsAccepted
from shared.workspaces.models import Workspace

#: Trackers report what happened: an event from the future is a client's clock bug.
FUTURE_SLACK = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_VALUE = operator.attrgetter("value")


def row_problems(body: Bulk[EventIn], now: datetime) -> list[FieldError]:
    """Every problem a row has on its own, with its index and field."""
    errors: list[FieldError] = []
    for index, row in body.indexed():
        loc = ("body", body.collection, index)
        if not EARLIEST <= row.occurred_at <= now + FUTURE_SLACK:
            errors.append(
                FieldError(
                    (*loc, "occurred_at"),
                    "outside 2000-01-01 .. now: trackers report what happened",
                    "occurred_out_of_range",
                )
            )
        if row.value is not None and row.type not in VALUED:
            errors.append(
                FieldError(
                    (*loc, "value"),
                    f"a {row.type} carries no value (only {', '.join(sorted(VALUED))})",
                    "value_not_allowed",
                )
            )
        if row.email is not None and pii.normal_email(row.email) is None:
            errors.append(FieldError((*loc, "email"), "not an email address", "email"))
        if row.phone is not None and pii.normal_phone(row.phone) is None:
            errors.append(
                FieldError(
                    (*loc, "phone"),
                    "a phone number with its country code (+33 6 12 34 56 78, 0033...)",
                    "phone",
                )
            )
    return errors


#: An event is written only when its id is new to the workspace: `event_keys` takes the id
#: first (a concurrent batch with the same id waits, then finds it taken).
_INSERT = sa.text(
    """
    WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
            event_id varchar, occurred_at timestamptz, visitor_id varchar, type varchar,
            channel varchar, campaign_id uuid, content_item_id uuid, value numeric)
    ), fresh AS (
        INSERT INTO event_keys (workspace_id, event_id, occurred_at)
        SELECT :workspace, event_id, occurred_at FROM incoming
        ON CONFLICT DO NOTHING
        RETURNING event_id
    ), written AS (
        INSERT INTO events (workspace_id, event_id, occurred_at, visitor_id, type, channel,
                            campaign_id, content_item_id, value)
        SELECT :workspace, u.event_id, u.occurred_at, u.visitor_id, u.type, u.channel,
               u.campaign_id, u.content_item_id, u.value
        FROM incoming u JOIN fresh USING (event_id)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM written
    """
)
#: Each visitor's row: first and last seen widen; contact points and consent follow the
#: latest event that stated them (a late-arriving old event does not overwrite them).
_VISITORS = sa.text(
    """
    INSERT INTO visitors AS v (workspace_id, visitor_id, email_sha256, email_at, phone_sha256,
                               phone_at, consent, consent_at, first_seen_at, last_seen_at)
    SELECT :workspace, u.visitor_id, u.email_sha256, u.email_at, u.phone_sha256, u.phone_at,
           u.consent, u.consent_at, u.first_seen_at, u.last_seen_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(
        visitor_id varchar, email_sha256 varchar, email_at timestamptz, phone_sha256 varchar,
        phone_at timestamptz, consent boolean, consent_at timestamptz,
        first_seen_at timestamptz, last_seen_at timestamptz)
    ON CONFLICT (workspace_id, visitor_id) DO UPDATE SET
        first_seen_at = least(v.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = greatest(v.last_seen_at, EXCLUDED.last_seen_at),
        email_sha256 = CASE WHEN EXCLUDED.email_at >= v.email_at OR v.email_at IS NULL
            THEN coalesce(EXCLUDED.email_sha256, v.email_sha256) ELSE v.email_sha256 END,
        email_at = greatest(v.email_at, EXCLUDED.email_at),
        phone_sha256 = CASE WHEN EXCLUDED.phone_at >= v.phone_at OR v.phone_at IS NULL
            THEN coalesce(EXCLUDED.phone_sha256, v.phone_sha256) ELSE v.phone_sha256 END,
        phone_at = greatest(v.phone_at, EXCLUDED.phone_at),
        consent = CASE WHEN EXCLUDED.consent_at >= v.consent_at OR v.consent_at IS NULL
            THEN coalesce(EXCLUDED.consent, v.consent) ELSE v.consent END,
        consent_at = greatest(v.consent_at, EXCLUDED.consent_at)
    """
)


def visitor_rows(rows: Sequence[EventIn]) -> list[dict[str, Any]]:
    """One row per visitor of the batch, in visitor order (rows locked in one order); each
    contact point and the consent as of the latest event that stated it."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        at = row.occurred_at.astimezone(UTC)
        seen = found.setdefault(
            row.visitor_id,
            {
                "visitor_id": row.visitor_id,
                "email_sha256": None,
                "email_at": None,
                "phone_sha256": None,
                "phone_at": None,
                "consent": None,
                "consent_at": None,
                "first_seen_at": at,
                "last_seen_at": at,
            },
        )
        seen["first_seen_at"] = min(seen["first_seen_at"], at)
        seen["last_seen_at"] = max(seen["last_seen_at"], at)
        stated = {
            "email": pii.normal_email(row.email) if row.email is not None else None,
            "phone": pii.normal_phone(row.phone) if row.phone is not None else None,
        }
        for point, value in stated.items():
            if value and (seen[f"{point}_at"] is None or at >= seen[f"{point}_at"]):
                seen[f"{point}_sha256"], seen[f"{point}_at"] = pii.sha256(value), at
        if row.consent is not None and (seen["consent_at"] is None or at >= seen["consent_at"]):
            seen["consent"], seen["consent_at"] = row.consent, at
    return [
        {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in v.items()
        }
        for _, v in sorted(found.items())
    ]


def money_problems(body: Bulk[EventIn], currency: str) -> list[FieldError]:
    """A `currency_precision` error for each value finer than the workspace's currency."""
    return amount_misfits(
        (
            (body.loc(index, "value"), row.value)
            for index, row in body.indexed()
            if row.value is not None
        ),
        currency,
    )


async def ingest(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: Bulk[EventIn], now: datetime
) -> EventsAccepted:
    """All or nothing: the schema's errors, the rules', unknown targets and values finer
    than the workspace's currency, in one answer."""
    session = uow.session
    currency = await session.scalar(
        sa.select(Workspace.currency).where(Workspace.id == workspace_id)
    )
    assert currency is not None
    named = await read_targets(uow, workspace_id, body)
    rows = body.checked([*row_problems(body, now), *named.errors, *money_problems(body, currency)])
    times = [row.occurred_at for row in rows]
    await partitions.ensure(
        session, TrackedEvent.__tablename__, partitions.months_between(min(times), max(times))
    )
    first = {row.event_id: row for row in reversed(rows)}  # an id repeated in the batch
    records = [
        {
            "event_id": row.event_id,
            "occurred_at": row.occurred_at.astimezone(UTC).isoformat(),
            "visitor_id": row.visitor_id,
            "type": row.type.value,
            "channel": row.channel,
            "campaign_id": None if row.campaign_id is None else str(row.campaign_id),
            "content_item_id": None if row.content_item_id is None else str(row.content_item_id),
            "value": None if row.value is None else str(stored_amount(row.value, currency)),
        }
        # Key order: concurrent batches lock shared rows in one order.
        for _, row in sorted(first.items())
    ]
    inserted = int(
        await session.scalar(_INSERT, {"workspace": workspace_id, "rows": json.dumps(records)}) or 0
    )
    visitors = visitor_rows(rows)
    await session.execute(_VISITORS, {"workspace": workspace_id, "rows": json.dumps(visitors)})
    return EventsAccepted(
        received=len(rows),
        inserted=inserted,
        duplicates=len(rows) - inserted,
        visitors=len(visitors),
    )
