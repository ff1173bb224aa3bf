"""CRI-2 and CRI-3 against the database: count, decide (pure), act, explain.

Each policy is evaluated under its row lock, so the cron and the jobs that follow mention
batches never act twice on one alert; the partial unique index backs this up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.content.models import ContentItem, ContentStatus
from shared.crisis import freeze
from shared.crisis.events import AlertEscalated, AlertOpened, AlertResolved
from shared.crisis.explain import explain, samples
from shared.crisis.levels import (
    Action,
    Counts,
    LevelRule,
    Metrics,
    OpenAlert,
    decide,
    level,
    measure,
    rank,
)
from shared.crisis.models import Alert, AlertStatus, EscalationPolicy
from shared.crisis.schemas import AlertRead
from shared.crisis.watch import WATCHED, Scope
from shared.db.base import utcnow
from shared.db.uow import UnitOfWork
from shared.i18n import Language
from shared.listening.models import TermKind, TrackedTerm
from shared.workspaces.language import workspace_language

#: Mentions a source stamps slightly ahead of our clock still count as now.
CLOCK_SLACK = timedelta(minutes=5)


_COUNTS = sa.text(
    f"""
    SELECT count(*) FILTER (WHERE posted_at >= :start),
           count(*) FILTER (WHERE posted_at >= :start AND sentiment_label = 'negative'),
           coalesce(sum(log(10 + author_followers::float8)) FILTER (WHERE posted_at >= :start), 0),
           coalesce(sum(log(10 + author_followers::float8))
                    FILTER (WHERE posted_at >= :start AND sentiment_label = 'negative'), 0),
           coalesce(sum(sentiment) FILTER (WHERE posted_at >= :start), 0),
           count(*) FILTER (WHERE posted_at < :start)
    {WATCHED}
    """
)


async def _scope(uow: UnitOfWork, policy: EscalationPolicy, now: datetime) -> Scope:
    term_ids = policy.term_ids
    if term_ids is None:
        term_ids = list(
            await uow.session.scalars(
                sa.select(TrackedTerm.id).where(
                    TrackedTerm.workspace_id == policy.workspace_id,
                    TrackedTerm.kind == TermKind.brand,
                )
            )
        )
    window_start = now - timedelta(minutes=policy.window_minutes)
    return Scope(
        workspace_id=policy.workspace_id,
        term_ids=term_ids,
        window_start=window_start,
        baseline_start=window_start - timedelta(days=policy.baseline_days),
        end=now + CLOCK_SLACK,
    )


async def counts(uow: UnitOfWork, policy: EscalationPolicy, scope: Scope) -> Counts:
    row = (await uow.session.execute(_COUNTS, scope.params())).one()
    return Counts(
        window_minutes=policy.window_minutes,
        mentions=int(row[0]),
        negatives=int(row[1]),
        weight=float(row[2]),
        negative_weight=float(row[3]),
        sentiment_sum=float(row[4]),
        baseline_mentions=int(row[5]),
        baseline_minutes=policy.baseline_days * 24 * 60,
    )


def rules(policy: EscalationPolicy) -> list[LevelRule]:
    return [LevelRule.model_validate(rule) for rule in policy.levels]


def _freezes(policy: EscalationPolicy, rules_: Sequence[LevelRule], name: str) -> bool:
    at = policy.freeze_publishing_at
    return at is not None and rank(rules_, name) >= rank(rules_, at)


async def _language(uow: UnitOfWork, workspace_id: uuid.UUID) -> Language:
    """What the alert's texts are written in: its workspace's language, for the whole team
    (and its webhooks), whoever reads them."""
    return await workspace_language(uow.session, workspace_id)


def _step(name: str, now: datetime, metrics: Metrics) -> dict[str, Any]:
    return {"level": name, "at": now.isoformat(), "metrics": metrics.model_dump(mode="json")}


async def evaluate_policy(uow: UnitOfWork, policy: EscalationPolicy, now: datetime) -> Action:
    session = uow.session
    rules_ = rules(policy)
    scope = await _scope(uow, policy, now)
    metrics = measure(await counts(uow, policy, scope))
    current = level(metrics, rules_, policy.min_mentions)
    alert = await session.scalar(
        sa.select(Alert)
        .where(
            Alert.workspace_id == policy.workspace_id,
            Alert.policy_id == policy.id,
            Alert.status != AlertStatus.resolved,
        )
        .with_for_update()
    )
    state = (
        None
        if alert is None
        else OpenAlert(alert.level, alert.status == AlertStatus.acknowledged, alert.last_held_at)
    )
    action = decide(current, state, rules_, timedelta(minutes=policy.cooldown_minutes), now)
    if action == Action.open:
        assert current is not None
        alert = Alert(
            id=uuid.uuid4(),
            workspace_id=policy.workspace_id,
            policy_id=policy.id,
            policy_name=policy.name,
            level=current,
            status=AlertStatus.open,
            opened_at=now,
            last_held_at=now,
            metrics=metrics.model_dump(mode="json"),
            escalations=[_step(current, now, metrics)],
            sample_mention_ids=await samples(uow, scope),
            explanation=await explain(
                uow,
                scope,
                policy.window_minutes,
                metrics,
                await _language(uow, policy.workspace_id),
            ),
            playbook=[{**step, "done": False, "done_at": None} for step in policy.playbook],
        )
        _freeze_as_policy_says(alert, policy, rules_)
        session.add(alert)
        await session.flush()
        uow.emit(alert.workspace_id, AlertOpened(alert=AlertRead.model_validate(alert)))
    elif action == Action.escalate:
        assert alert is not None
        assert current is not None
        previous = alert.level
        alert.level = current
        alert.last_held_at = now
        alert.metrics = metrics.model_dump(mode="json")
        alert.escalations = [*alert.escalations, _step(current, now, metrics)]
        alert.sample_mention_ids = await samples(uow, scope)
        alert.explanation = await explain(
            uow, scope, policy.window_minutes, metrics, await _language(uow, policy.workspace_id)
        )
        _freeze_as_policy_says(alert, policy, rules_)
        await session.flush()
        uow.emit(
            alert.workspace_id,
            AlertEscalated(alert=AlertRead.model_validate(alert), previous_level=previous),
        )
    elif action == Action.hold:
        assert alert is not None
        # Not a change the alert's readers act on: no new version (ETag) every minute.
        await session.execute(
            sa.update(Alert)
            .where(Alert.id == alert.id)
            .values(last_held_at=now, metrics=metrics.model_dump(mode="json"))
            .execution_options(synchronize_session=False)
        )
    elif action == Action.resolve:
        assert alert is not None
        await resolve(uow, alert, now, by="cooldown")
        return action
    if alert is not None and action in (Action.hold, Action.none):
        # The policy's freeze may have changed since the alert opened (CRI-4 holds
        # "while an alert at or above it is open", by the policy as it is now).
        _freeze_as_policy_says(alert, policy, rules_)
    return action


def _freeze_as_policy_says(alert: Alert, policy: EscalationPolicy, rules_: list[LevelRule]) -> None:
    freezing = _freezes(policy, rules_, alert.level)
    scope = policy.freeze_campaign_ids if freezing else None
    if (alert.freezing, alert.freeze_campaign_ids) != (freezing, scope):
        alert.freezing, alert.freeze_campaign_ids = freezing, scope


async def resolve(uow: UnitOfWork, alert: Alert, now: datetime, *, by: str) -> None:
    alert.status = AlertStatus.resolved
    alert.resolved_at = now
    alert.resolved_by = by
    await uow.session.flush()
    await freeze.enforce(uow, alert.workspace_id, now)
    uow.emit(alert.workspace_id, AlertResolved(alert=AlertRead.model_validate(alert)))


async def evaluate_workspace(
    uow: UnitOfWork, workspace_id: uuid.UUID, clock: Callable[[], datetime] = utcnow
) -> list[Action]:
    """Every enabled policy of the workspace, locked in id order (no deadlock between a
    cron round and a batch's job), then the freeze enforced. The time is read once the
    locks are held: a round that waited for another never writes an earlier time after
    it. Returns each policy's action, for the caller to count."""
    policies = (
        await uow.session.scalars(
            sa.select(EscalationPolicy)
            .where(
                EscalationPolicy.workspace_id == workspace_id,
                EscalationPolicy.enabled.is_(True),
            )
            .order_by(EscalationPolicy.id)
            .with_for_update()
        )
    ).all()
    now = clock()
    actions = [await evaluate_policy(uow, policy, now) for policy in policies]
    await freeze.enforce(uow, workspace_id, now)
    return actions


async def workspaces_to_evaluate(uow: UnitOfWork) -> list[uuid.UUID]:
    """Workspaces with an enabled policy, or a freeze to enforce: an unresolved freezing
    alert (a disabled policy's alert waits for a person, its freeze still holds), or
    content on hold."""
    return list(
        await uow.session.scalars(
            sa.union(
                sa.select(EscalationPolicy.workspace_id).where(EscalationPolicy.enabled.is_(True)),
                sa.select(Alert.workspace_id).where(
                    Alert.status != AlertStatus.resolved, Alert.freezing.is_(True)
                ),
                sa.select(ContentItem.workspace_id).where(
                    ContentItem.status == ContentStatus.on_hold
                ),
            )
        )
    )
