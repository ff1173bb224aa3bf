"""A pull of one social account's insights: the account's published items found on the
platform's edge (page after page), each one's insights asked for the metrics the registry
says its API version still reports, and everything read handed to the job to ingest as one
batch down the ING path, exactly as a posted report would be.

Built for Meta (Instagram media, Facebook posts), whose Graph API this product first
sells on; the other platforms' reports come in through `POST /v1/platform-reports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from shared.content.models import ContentItem
from shared.crypto import SecretBox
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import ValidationFailed
from shared.metrics.schemas import SnapshotIn
from shared.platforms import registry, service
from shared.platforms.meta_graph import (
    MetaGraph,
    ObjectRefused,
    PlatformError,
    RateLimited,
    TokenRefused,
)
from shared.platforms.registry import ObjectType
from shared.platforms.schemas import PlatformReportIn
from shared.social_accounts.events import SocialAccountNeedsReauth
from shared.social_accounts.models import Connection, Platform, SocialAccount

#: The edge that lists an account's published objects, and their object type.
EDGES: dict[Platform, tuple[str, ObjectType]] = {
    Platform.instagram: ("media", ObjectType.media),
    Platform.facebook: ("posts", ObjectType.post),
}

GraphFactory = Callable[[str, str], MetaGraph]


@dataclass(frozen=True)
class Pulled:
    """What a pull read, for the job to ingest (days in `timezone`), and how it ended."""

    rows: list[SnapshotIn]
    timezone: str
    items: int
    outcome: str


def needs_reauth(uow: UnitOfWork, account: SocialAccount, reason: str, now: datetime) -> None:
    """Pulls stop, and `social_account.needs_reauth` tells whoever can log in again."""
    account.connection = Connection.needs_reauth
    account.last_sync_error = reason
    uow.emit(
        account.workspace_id,
        SocialAccountNeedsReauth(
            account_id=account.id,
            platform=account.platform,
            handle=account.handle,
            reason=reason,
            detected_at=now,
        ),
    )


async def pull(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    account_id: uuid.UUID,
    graph_for: GraphFactory,
    box: SecretBox,
    now: datetime,
) -> Pulled:
    """Pull what the account's platform reports now. What was read before a throttle or a
    refused token is still ingested; the account records how the pull ended."""
    account = await TenantRepository(uow.session, SocialAccount, "social account").get(
        workspace_id, account_id, lock=True
    )
    if account.connection != Connection.connected or account.access_token_encrypted is None:
        return Pulled([], "UTC", 0, "not_connected")
    if account.platform not in EDGES:
        account.last_sync_error = f"no pull connector for {account.platform}: post its reports"
        return Pulled([], "UTC", 0, "unsupported")
    if account.token_expires_at is not None and account.token_expires_at <= now:
        needs_reauth(uow, account, "the token expired", now)
        return Pulled([], "UTC", 0, "needs_reauth")
    assert account.api_version is not None
    edge, object_type = EDGES[account.platform]
    report = registry.load().report_for(account.platform, object_type)
    assert report is not None
    published = await uow.session.execute(
        sa.select(ContentItem.external_post_id, ContentItem.id).where(
            ContentItem.workspace_id == workspace_id,
            ContentItem.social_account_id == account.id,
            ContentItem.external_post_id.is_not(None),
        )
    )
    items = {str(external): item_id for external, item_id in published}
    zone = report.days_in or "UTC"
    wanted = [
        m.name
        for m in report.requestable(account.api_version, now.astimezone(ZoneInfo(zone)).date())
    ]
    graph = graph_for(box.decrypt(account.access_token_encrypted), account.api_version)
    rows: list[SnapshotIn] = []
    outcome, read = "synced", 0
    odd: str | None = None
    try:
        async for object_id in graph.edge_ids(account.external_id, edge):
            item_id = items.get(object_id)
            if item_id is None:
                continue
            try:
                payload, refused = await graph.insights(object_id, wanted)
            except ObjectRefused as exc:
                odd = f"{object_id}: {exc}"
                continue
            body = PlatformReportIn(
                platform=account.platform,
                object_type=object_type,
                api_version=account.api_version,
                content_item_id=item_id,
                payload=payload,
            )
            try:
                rows += (await service.report_rows(uow, workspace_id, body, now, refused)).rows
            except ValidationFailed as exc:  # one object's odd answer must not stop the rest
                odd = f"{object_id}: {exc.errors[0].msg}"
                continue
            read += 1
    except TokenRefused as exc:
        needs_reauth(uow, account, str(exc), now)
        outcome = "needs_reauth"
    except RateLimited as exc:
        account.next_sync_at = now + timedelta(seconds=exc.wait)
        account.last_sync_error = f"rate limited for {exc.wait:.0f} s: {exc}"
        outcome = "rate_limited"
    except PlatformError as exc:
        account.last_sync_error = str(exc)
        outcome = "failed"
    if outcome == "synced":
        account.last_synced_at = now
        account.last_sync_error = odd
    await uow.session.flush()
    return Pulled(rows, zone, read, outcome)
