"""Webhook endpoints and deliveries as the API and the CLI manage them (WH-1, WH-4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.config import Settings
from shared.crypto import SecretBox
from shared.db.pagination import Page, paginate
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.i18n import Text, catalog
from shared.outbox.wake import wake_dispatchers
from shared.webhooks.events import WebhookTest
from shared.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from shared.webhooks.schemas import EndpointCreate, EndpointUpdate, SecretRotation
from shared.webhooks.signing import generate_secret
from shared.webhooks.ssrf import url_problem
from shared.workspaces.language import workspace_language

TEXTS = catalog(
    "webhooks",
    {
        "disabled-retry": Text(
            en="the endpoint is disabled: enable it first, then retry",
            fr="le point de réception est désactivé : activez-le, puis réessayez",
        ),
        "disabled-test": Text(
            en="the endpoint is disabled: enable it to test it",
            fr="le point de réception est désactivé : activez-le pour le tester",
        ),
        "test-message": Text(
            en="Test event from the SMM Platform", fr="Événement de test de la plateforme SMM"
        ),
        "delivery-in-flight": Text(
            en="an attempt of this delivery is in flight",
            fr="une tentative de cette livraison est en cours",
        ),
    },
)


@lru_cache(maxsize=4)
def _box(keys: str) -> SecretBox:
    return SecretBox(keys)


def secret_box(settings: Settings) -> SecretBox:
    if settings.secrets_key is None:
        raise RuntimeError(
            "SECRETS_KEY is not set: webhook secrets are encrypted with it "
            "(generate one with `smm secrets-key`)"
        )
    return _box(settings.secrets_key.get_secret_value())


def endpoints(uow: UnitOfWork) -> TenantRepository[WebhookEndpoint]:
    return TenantRepository(uow.session, WebhookEndpoint, "webhook endpoint")


def deliveries(uow: UnitOfWork) -> TenantRepository[WebhookDelivery]:
    return TenantRepository(uow.session, WebhookDelivery, "webhook delivery")


async def _check_url(url: str, settings: Settings) -> None:
    problem = await url_problem(
        url,
        allow_private=settings.webhook_allow_private,
        allowed_ports=settings.webhook_allowed_ports,
    )
    if problem is not None:
        raise ValidationFailed([FieldError(("body", "url"), problem, "url_not_allowed")])


async def create_endpoint(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: EndpointCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    url = str(body.url)
    await _check_url(url, settings)
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        url=url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
        secret_ciphertext=secret_box(settings).encrypt(secret),
    )
    uow.session.add(endpoint)
    await uow.session.flush()
    return endpoint, secret


async def disable(
    session: AsyncSession, endpoint_ids: list[uuid.UUID], reason: str, now: datetime
) -> None:
    """Nothing more is sent: waiting deliveries fail with the reason (and can be retried
    one by one once the endpoint is enabled again)."""
    if not endpoint_ids:
        return
    await session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.enabled)
        .values(
            enabled=False,
            disabled_at=now,
            disabled_reason=reason[:500],
            version=WebhookEndpoint.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id.in_(endpoint_ids),
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(
            status=DeliveryStatus.failed,
            next_attempt_at=None,
            finished_at=now,
            last_error=f"endpoint disabled: {reason}"[:1000],
        )
        .execution_options(synchronize_session=False)
    )


async def update_endpoint(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    expected_version: int | None,
    settings: Settings,
    now: datetime,
) -> WebhookEndpoint:
    endpoint = await endpoints(uow).get(workspace_id, endpoint_id, lock=True)
    check_version(endpoint, expected_version)
    changes = body.changes()
    if "url" in changes:
        await _check_url(changes["url"], settings)
    enabled = changes.pop("enabled", None)
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if enabled is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
    await uow.session.flush()
    if enabled is False and endpoint.enabled:
        await disable(uow.session, [endpoint.id], "disabled by a user", now)
        await uow.session.refresh(endpoint)
    return endpoint


async def rotate_secret(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    body: SecretRotation,
    settings: Settings,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    endpoint = await endpoints(uow).get(workspace_id, endpoint_id, lock=True)
    secret = generate_secret()
    if body.overlap_seconds:
        endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
        endpoint.previous_secret_expires_at = now + timedelta(seconds=body.overlap_seconds)
    else:
        endpoint.previous_secret_ciphertext = endpoint.previous_secret_expires_at = None
    endpoint.secret_ciphertext = secret_box(settings).encrypt(secret)
    await uow.session.flush()
    return endpoint, secret


async def delete_endpoint(uow: UnitOfWork, workspace_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    endpoint = await endpoints(uow).get(workspace_id, endpoint_id, lock=True)
    await uow.session.delete(endpoint)


async def list_deliveries(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    *,
    status: DeliveryStatus | None,
    event_type: str | None,
    limit: int,
    cursor: str | None,
) -> Page[WebhookDelivery]:
    await endpoints(uow).get(workspace_id, endpoint_id)
    stmt = (
        deliveries(uow)
        .select(workspace_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .options(selectinload(WebhookDelivery.attempts))
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == event_type)
    return await paginate(uow.session, stmt, WebhookDelivery, limit, cursor)


async def get_delivery(
    uow: UnitOfWork, workspace_id: uuid.UUID, delivery_id: uuid.UUID, *, lock: bool = False
) -> WebhookDelivery:
    delivery = await deliveries(uow).get(workspace_id, delivery_id, lock=lock)
    await uow.session.refresh(delivery, ["attempts"])
    return delivery


async def retry(session: AsyncSession, delivery: WebhookDelivery, now: datetime) -> None:
    """Now, not at its scheduled time. A finished delivery gets one more attempt (one-off);
    a waiting one keeps the rest of its schedule."""
    endpoint = await session.get_one(
        WebhookEndpoint, {"id": delivery.endpoint_id, "workspace_id": delivery.workspace_id}
    )
    if not endpoint.enabled:
        raise Conflict(TEXTS["disabled-retry"].of(), "endpoint-disabled")
    if delivery.status == DeliveryStatus.sending:
        raise Conflict(TEXTS["delivery-in-flight"].of(), "delivery-in-flight")
    if delivery.status != DeliveryStatus.pending:
        delivery.status = DeliveryStatus.pending
        delivery.one_off = True
        delivery.finished_at = None
    delivery.next_attempt_at = now
    await session.flush()
    await wake_dispatchers(session)


async def retry_delivery(
    uow: UnitOfWork, workspace_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    delivery = await get_delivery(uow, workspace_id, delivery_id, lock=True)
    await retry(uow.session, delivery, now)
    return delivery


async def send_test(
    uow: UnitOfWork, workspace_id: uuid.UUID, endpoint_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    """A `webhook.test` event for this endpoint alone: recorded already dispatched, so the
    fan-out never offers it to the workspace's other endpoints."""
    endpoint = await endpoints(uow).get(workspace_id, endpoint_id)
    if not endpoint.enabled:
        raise Conflict(TEXTS["disabled-test"].of(), "endpoint-disabled")
    event = uow.emit(
        workspace_id,
        WebhookTest(
            endpoint_id=endpoint.id,
            message=TEXTS["test-message"](await workspace_language(uow.session, workspace_id)),
        ),
    )
    event.dispatched_at = now
    await uow.session.flush()
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        event_type=WebhookTest.type,
        status=DeliveryStatus.pending,
        attempt_count=0,
        next_attempt_at=now,
        one_off=False,
        attempts=[],
    )
    uow.session.add(delivery)
    await uow.session.flush()
    return delivery


async def replay(session: AsyncSession, delivery_id: uuid.UUID, now: datetime) -> WebhookDelivery:
    """The operator's retry (CLI), across workspaces."""
    # The workspace first, unlocked: a lock by id alone would be a statement over every
    # shard on Citus; the lock then takes the one row.
    workspace_id = await session.scalar(
        sa.select(WebhookDelivery.workspace_id).where(WebhookDelivery.id == delivery_id)
    )
    delivery = (
        None
        if workspace_id is None
        else await session.get(
            WebhookDelivery,
            {"id": delivery_id, "workspace_id": workspace_id},
            with_for_update=True,
        )
    )
    if delivery is None:
        raise NotFound("webhook delivery", delivery_id)
    await retry(session, delivery, now)
    return delivery


@dataclass(frozen=True)
class FailingEndpoint:
    workspace_id: uuid.UUID
    id: uuid.UUID
    url: str
    enabled: bool
    failing_since: datetime | None
    disabled_reason: str | None
    waiting: int
    failed: int
    last_error: str | None


async def failing_endpoints(session: AsyncSession) -> list[FailingEndpoint]:
    """Endpoints in a run of failures or disabled by the platform, worst first."""
    d = WebhookDelivery
    stats = (
        sa.select(
            d.workspace_id,
            d.endpoint_id,
            sa.func.count()
            .filter(d.status.in_([DeliveryStatus.pending, DeliveryStatus.sending]))
            .label("waiting"),
            sa.func.count().filter(d.status == DeliveryStatus.failed).label("failed"),
            sa.func.max(d.last_attempt_at).label("last_attempt_at"),
        )
        .group_by(d.workspace_id, d.endpoint_id)
        .subquery()
    )
    last_error = (
        sa.select(d.last_error)
        .where(
            d.workspace_id == WebhookEndpoint.workspace_id,
            d.endpoint_id == WebhookEndpoint.id,
            d.last_error.is_not(None),
        )
        .order_by(d.last_attempt_at.desc().nulls_last())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.select(
            WebhookEndpoint.workspace_id,
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.enabled,
            WebhookEndpoint.failing_since,
            WebhookEndpoint.disabled_reason,
            sa.func.coalesce(stats.c.waiting, 0),
            sa.func.coalesce(stats.c.failed, 0),
            last_error,
        )
        .outerjoin(
            stats,
            sa.and_(
                stats.c.workspace_id == WebhookEndpoint.workspace_id,
                stats.c.endpoint_id == WebhookEndpoint.id,
            ),
        )
        .where(
            sa.or_(
                WebhookEndpoint.failing_since.is_not(None),
                WebhookEndpoint.disabled_reason.is_not(None),
            )
        )
        .order_by(WebhookEndpoint.failing_since.asc().nulls_last(), WebhookEndpoint.id)
    )
    return [FailingEndpoint(*row) for row in rows]
