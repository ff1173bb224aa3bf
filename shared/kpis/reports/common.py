"""What every KPI report shares: the level check on its scope, and the head of its answer."""

from __future__ import annotations

from typing import Any

from shared.errors import FieldError, ValidationFailed
from shared.kpis.queries import GroupBy, Scope, SnapshotLevel
from shared.workspaces.models import Workspace

ITEM_GROUPS = frozenset({GroupBy.content_item, GroupBy.platform, GroupBy.format_, GroupBy.paid})


def check_level(scope: Scope, group_by: GroupBy | None = None) -> None:
    """Campaign-level snapshots have no platform, format or paid flag to filter or group
    on: asking for them is a mistake to report, not an empty answer."""
    if scope.level != SnapshotLevel.campaign:
        return
    errors = [
        FieldError(("query", name), "campaign-level snapshots have no " + name, "level")
        for name in ("platform", "format", "paid")
        if getattr(scope, name) is not None
    ]
    if group_by in ITEM_GROUPS:
        errors.append(
            FieldError(("query", "group_by"), f"level=campaign has no {group_by}", "level")
        )
    if errors:
        raise ValidationFailed(errors)


def meta(scope: Scope, space: Workspace) -> dict[str, Any]:
    """The fields of `ReportMeta`: what the figures cover, and in which currency."""
    return {
        "start": scope.start,
        "end": scope.end,
        "granularity": scope.granularity,
        "level": scope.level.value,
        "timezone": scope.timezone,
        "currency": space.currency,
    }
