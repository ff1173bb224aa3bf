"""A workspace's language, for what the product writes for its team outside a request
(alert summaries, default playbooks, test events)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.i18n import FALLBACK, Language
from shared.workspaces.models import Workspace


async def workspace_language(session: AsyncSession, workspace_id: uuid.UUID) -> Language:
    """One indexed lookup; a workspace that no longer exists reads English (nothing is
    written for it anyway)."""
    language = await session.scalar(
        sa.select(Workspace.language).where(Workspace.id == workspace_id)
    )
    return language or FALLBACK
