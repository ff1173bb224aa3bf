"""The demo's listening and crisis history: the brand, its Aurore lamp and two rivals
tracked; the mentions ingested and scored by the worker's own analysis; last month's
storm replayed through the crisis evaluation as it happened (opened at `watch`, escalated
to `alert`, resolved after its cooldown, then given a postmortem); this week's Aurore
complaints left open at `watch`; and the community team's answers.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shared.bulk import rows_or_errors
from shared.crisis import evaluate
from shared.crisis import service as crisis
from shared.crisis.models import Alert
from shared.crisis.schemas import AlertUpdate, PlaybookStep, PolicyCreate
from shared.db.uow import UnitOfWork
from shared.demo import voices
from shared.demo.plan import Plan
from shared.listening import ingestion, terms
from shared.listening.models import Mention, MentionStatus, TermKind
from shared.listening.schemas import MAX_MENTIONS, MentionBatch, MentionIn, TrackedTermCreate
from shared.listening.sentiment import SentimentLabel
from shared.outbox.models import OutboxEvent

PLAYBOOK = (
    ("Lire les mentions d'exemple et l'explication de l'alerte", "community_manager"),
    ("Suspendre les publicités sur les plateformes concernées", "social_lead"),
    ("Publier un message d'attente et répondre aux clients touchés", "communications"),
    ("Faire le point avec le service client et le transporteur", "customer_care"),
)
POSTMORTEM = (
    "Cause : notre transporteur a perdu la trace d'un lot de 300 colis au départ de "
    "l'entrepôt de Lyon ; les clients n'ont reçu ni suivi ni réponse pendant 48 h.\n"
    "Réponse : alerte ouverte en veille à 18 h 30, passée en alerte à 18 h 50 ; publicités "
    "suspendues à 19 h 10 ; message d'excuse et renvoi offert publiés à 19 h 40.\n"
    "À retenir : brancher le suivi du transporteur sur le service client, et préparer le "
    "message d'attente « retard de livraison » à l'avance."
)


async def seed(uow: UnitOfWork, workspace_id: uuid.UUID, plan: Plan) -> None:
    now = plan.now
    await terms.create_term(
        uow,
        workspace_id,
        TrackedTermCreate(
            term=voices.BRAND, kind=TermKind.brand, synonyms=["#maisonlumiere", "@maisonlumiere"]
        ),
    )
    aurore = await terms.create_term(
        uow,
        workspace_id,
        TrackedTermCreate(
            term=voices.AURORE, kind=TermKind.brand, synonyms=["#lampeaurore", "Aurore lamp"]
        ),
    )
    for rival in voices.RIVALS:
        tag = "#" + rival.lower().replace(" ", "")
        await terms.create_term(
            uow,
            workspace_id,
            TrackedTermCreate(term=rival, kind=TermKind.competitor, synonyms=[tag]),
        )
    playbook = [PlaybookStep(text=text, owner_role=role) for text, role in PLAYBOOK]
    await crisis.create_policy(
        uow,
        workspace_id,
        PolicyCreate(name="Crise de marque", freeze_publishing_at="crisis", playbook=playbook),
    )
    await crisis.create_policy(
        uow,
        workspace_id,
        PolicyCreate(
            name="Lampe Aurore — qualité produit",
            term_ids=[aurore.id],
            window_minutes=voices.AURORE_DAYS * 24 * 60,
            baseline_days=14,
            min_mentions=20,
            cooldown_minutes=720,
            playbook=[
                PlaybookStep(
                    text="Remonter les retours au service qualité", owner_role="product_owner"
                ),
                PlaybookStep(
                    text="Répondre avec la fiche « variateur compatible »",
                    owner_role="community_manager",
                ),
            ],
        ),
    )
    written, storm = voices.voices(plan)
    await _ingest(uow, workspace_id, written, now)
    await _replay_storm(uow, workspace_id, storm, now)
    await _answer(uow, workspace_id, plan)
    # This week's complaints, as the evaluation cron sees them now: `watch` opens.
    await evaluate.evaluate_workspace(uow, workspace_id, clock=_at(now))


async def _ingest(
    uow: UnitOfWork, workspace_id: uuid.UUID, written: Sequence[voices.Voice], now: datetime
) -> None:
    """As a listening source posts them, then analysed by the analysis job's function."""
    for start in range(0, len(written), MAX_MENTIONS):
        chunk = [
            {
                "platform": v.platform.value,
                "external_id": v.external_id,
                "author_handle": v.author_handle,
                "author_followers": v.author_followers,
                "text": v.text,
                "posted_at": v.posted_at.isoformat(),
            }
            for v in written[start : start + MAX_MENTIONS]
        ]
        body = rows_or_errors(json.dumps({"mentions": chunk}).encode(), MentionBatch, MentionIn)
        batch = await ingestion.ingest(uow, workspace_id, body, now)
        await ingestion.analyse_batch(uow, workspace_id, batch.id, now)


async def _replay_storm(
    uow: UnitOfWork, workspace_id: uuid.UUID, storm: voices.Storm, now: datetime
) -> None:
    """The evaluation cron's rounds of that evening, every ten minutes, at their own
    times; then, the next day, the team's postmortem and ticked playbook."""
    at = storm.start - timedelta(minutes=20)
    while at <= storm.end + timedelta(minutes=170):
        await evaluate.evaluate_workspace(uow, workspace_id, clock=_at(at))
        await _date_events(uow, workspace_id, at)
        at += timedelta(minutes=10)
    alert = await uow.session.scalar(
        sa.select(Alert)
        .where(Alert.workspace_id == workspace_id, Alert.policy_name == "Crise de marque")
        .order_by(Alert.opened_at.desc())
        .limit(1)
    )
    if alert is None or alert.resolved_at is None:
        return  # the analyser no longer reads the storm as one: nothing to write up
    await crisis.update_alert(
        uow,
        workspace_id,
        alert.id,
        AlertUpdate(postmortem=POSTMORTEM, playbook_done=list(range(len(PLAYBOOK)))),
        None,
        min(alert.resolved_at + timedelta(hours=14), now),
    )


def _at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at `moment`, in UTC as the product's clock reads: the evaluation
    as the cron ran it then (an escalation's `at` is written as the clock gives it)."""
    utc = moment.astimezone(UTC)
    return lambda: utc


async def _date_events(uow: UnitOfWork, workspace_id: uuid.UUID, moment: datetime) -> None:
    """The alert events a replayed round emitted happened at that round's time."""
    await uow.session.flush()
    emitted = await uow.session.scalars(
        sa.select(OutboxEvent).where(
            OutboxEvent.workspace_id == workspace_id,
            OutboxEvent.type.startswith("alert."),
            OutboxEvent.occurred_at > moment,
        )
    )
    for event in emitted:
        event.occurred_at = moment


async def _answer(uow: UnitOfWork, workspace_id: uuid.UUID, plan: Plan) -> None:
    """The community team answers most mentions that need it within hours (faster on the
    storm's evening), ignores spam, and has this morning's ones assigned; one statement
    per move, as the inbox would leave them (`inbox.TRANSITIONS`: new -> responded, ...)."""
    rng = random.Random(21)
    rows = (
        await uow.session.execute(
            sa.select(Mention.id, Mention.posted_at, Mention.sentiment_label, Mention.is_question)
            .where(Mention.workspace_id == workspace_id)
            .order_by(Mention.posted_at, Mention.external_id)
        )
    ).all()
    responded, ignored, assigned = [], [], []
    for ident, posted_at, label, question in rows:
        needs = label == SentimentLabel.negative or question
        age = plan.now - posted_at
        if not needs:
            if rng.random() < 0.03:
                ignored.append({"m_id": ident})
            continue
        if age < timedelta(hours=6):
            assigned.append({"m_id": ident})
            continue
        if rng.random() < 0.78:
            delay = timedelta(minutes=min(rng.lognormvariate(4.9, 1.0), 60 * 47))
            responded.append({"m_id": ident, "m_at": min(posted_at + delay, plan.now)})
    # Core statements, many rows each (an ORM bulk update by key would bump no version).
    mention = sa.table(
        "mentions",
        sa.column("id", sa.Uuid),
        sa.column("status", sa.String),
        sa.column("responded_at", sa.DateTime(timezone=True)),
        sa.column("assignee", sa.String),
        sa.column("version", sa.Integer),
    )
    moves = (
        (
            responded,
            {"status": MentionStatus.responded.value, "responded_at": sa.bindparam("m_at")},
        ),
        (ignored, {"status": MentionStatus.ignored.value}),
        (assigned, {"status": MentionStatus.assigned.value, "assignee": "camille.cm"}),
    )
    for params, values in moves:
        if params:
            await uow.session.execute(
                sa.update(mention)
                .where(mention.c.id == sa.bindparam("m_id"))
                .values(**values, version=mention.c.version + 1),
                params,
            )
