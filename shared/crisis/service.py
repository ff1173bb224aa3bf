"""Escalation policies (CRI-1) and what people do with alerts (CRI-3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from shared.campaigns.models import Campaign
from shared.crisis.evaluate import resolve
from shared.crisis.levels import LevelRule
from shared.crisis.models import Alert, AlertStatus, EscalationPolicy
from shared.crisis.schemas import AlertUpdate, PolicyCreate, PolicyUpdate, check_levels
from shared.crisis.texts import default_playbook
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.db.versioning import check_version
from shared.errors import Conflict, FieldError, InvalidTransition, ValidationFailed
from shared.i18n import Text, catalog
from shared.listening.models import TrackedTerm
from shared.workspaces.language import workspace_language

TEXTS = catalog(
    "crisis.errors",
    {
        "levels-drop": Text(
            en="the open alert is at level '{level}', which these levels drop: resolve it first",
            fr="l'alerte ouverte est au niveau « {level} », que ces niveaux retirent : "
            "résolvez-la d'abord",
        ),
        "alert-open": Text(
            en="this policy has an unresolved alert: resolve it first",
            fr="cette politique a une alerte non résolue : résolvez-la d'abord",
        ),
    },
)


def policies(uow: UnitOfWork) -> TenantRepository[EscalationPolicy]:
    return TenantRepository(uow.session, EscalationPolicy, "escalation policy")


def alerts(uow: UnitOfWork) -> TenantRepository[Alert]:
    return TenantRepository(uow.session, Alert, "alert")


#: The alert list's orders (`pagination.Sort`, through `alerts(uow).page`): creation (the
#: default), or by when the alert opened, either way.
AlertSort = Literal["created_at", "opened_at", "-opened_at"]


async def _check_refs(uow: UnitOfWork, workspace_id: uuid.UUID, values: dict[str, Any]) -> None:
    errors = await TenantRepository(uow.session, TrackedTerm, "tracked term").missing_references(
        workspace_id,
        [(("body", "term_ids", i), ident) for i, ident in enumerate(values.get("term_ids") or [])],
    ) + await TenantRepository(uow.session, Campaign, "campaign").missing_references(
        workspace_id,
        [
            (("body", "freeze_campaign_ids", i), ident)
            for i, ident in enumerate(values.get("freeze_campaign_ids") or [])
        ],
    )
    if errors:
        raise ValidationFailed(errors)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """JSON columns hold plain data."""
    out = dict(values)
    for name in ("levels", "playbook"):
        if name in out:
            out[name] = [
                item.model_dump(mode="json", exclude_none=True)
                if hasattr(item, "model_dump")
                else item
                for item in out[name]
            ]
    return out


async def create_policy(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: PolicyCreate
) -> EscalationPolicy:
    values = body.model_dump()
    await _check_refs(uow, workspace_id, values)
    playbook = body.playbook
    if playbook is None:
        playbook = default_playbook(await workspace_language(uow.session, workspace_id))
    values["levels"], values["playbook"] = body.levels, playbook
    policy = EscalationPolicy(id=uuid.uuid4(), workspace_id=workspace_id, **_stored(values))
    uow.session.add(policy)
    await uow.session.flush()
    return policy


async def update_policy(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    policy_id: uuid.UUID,
    body: PolicyUpdate,
    expected_version: int | None,
) -> EscalationPolicy:
    """Applies to the next evaluation; an open alert keeps the playbook it opened with."""
    policy = await policies(uow).get(workspace_id, policy_id, lock=True)
    check_version(policy, expected_version)
    changes = body.changes()
    await _check_refs(uow, workspace_id, changes)
    if "levels" in changes:
        changes["levels"] = body.levels
    if "playbook" in changes:
        changes["playbook"] = body.playbook
    changes = _stored(changes)
    levels = [LevelRule.model_validate(rule) for rule in changes.get("levels", policy.levels)]
    freeze = changes.get("freeze_publishing_at", policy.freeze_publishing_at)
    try:
        check_levels(levels, freeze)
    except ValueError as exc:
        raise ValidationFailed([FieldError(("body",), str(exc), "value_error")]) from None
    open_alert = await _unresolved(uow, workspace_id, policy.id)
    if open_alert is not None and "levels" in changes:
        names = {rule.level for rule in levels}
        if open_alert.level not in names:
            raise Conflict(TEXTS["levels-drop"].of(level=open_alert.level), "alert-open")
    for field, value in changes.items():
        setattr(policy, field, value)
    await uow.session.flush()
    return policy


async def _unresolved(
    uow: UnitOfWork, workspace_id: uuid.UUID, policy_id: uuid.UUID
) -> Alert | None:
    return await uow.session.scalar(
        sa.select(Alert).where(
            Alert.workspace_id == workspace_id,
            Alert.policy_id == policy_id,
            Alert.status != AlertStatus.resolved,
        )
    )


async def delete_policy(uow: UnitOfWork, workspace_id: uuid.UUID, policy_id: uuid.UUID) -> None:
    """Refused while its alert is unresolved; its past alerts stay, with its name."""
    policy = await policies(uow).get(workspace_id, policy_id, lock=True)
    if await _unresolved(uow, workspace_id, policy.id) is not None:
        raise Conflict(TEXTS["alert-open"].of(), "alert-open")
    # Its alerts keep their history without it: nulled here, not by ON DELETE SET NULL,
    # which Citus refuses on a key holding the workspace (migration 0022).
    await uow.session.execute(
        sa.update(Alert)
        .where(Alert.workspace_id == workspace_id, Alert.policy_id == policy_id)
        .values(policy_id=None, version=Alert.version + 1, updated_at=sa.func.now())
        .execution_options(synchronize_session=False)
    )
    await uow.session.delete(policy)


ALERT_MOVES = {
    AlertStatus.open: frozenset({AlertStatus.acknowledged, AlertStatus.resolved}),
    AlertStatus.acknowledged: frozenset({AlertStatus.resolved}),
    AlertStatus.resolved: frozenset(),
}


async def update_alert(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    alert_id: uuid.UUID,
    body: AlertUpdate,
    expected_version: int | None,
    now: datetime,
) -> Alert:
    alert = await alerts(uow).get(workspace_id, alert_id, lock=True)
    check_version(alert, expected_version)
    changes = body.changes()
    if "playbook_done" in changes:
        done = set(changes["playbook_done"])
        beyond = sorted(i for i in done if not 0 <= i < len(alert.playbook))
        if beyond:
            raise ValidationFailed(
                [
                    FieldError(
                        ("body", "playbook_done"),
                        f"the playbook has {len(alert.playbook)} steps: no step {beyond}",
                        "out_of_range",
                    )
                ]
            )
        alert.playbook = [
            {
                **step,
                "done": index in done,
                "done_at": (step.get("done_at") or now.isoformat()) if index in done else None,
            }
            for index, step in enumerate(alert.playbook)
        ]
    if "postmortem" in changes:
        alert.postmortem = changes["postmortem"]
    target = changes.get("status")
    if target is not None and target != alert.status:
        if target not in ALERT_MOVES[alert.status]:
            raise InvalidTransition(
                "alert", alert.status, target, sorted(ALERT_MOVES[alert.status])
            )
        if target == AlertStatus.acknowledged:
            alert.status = target
            alert.acknowledged_at = now
        else:
            await resolve(uow, alert, now, by="user")
    await uow.session.flush()
    return alert
