"""The demo workspace's listening: its brand and a rival, a week of mentions, a policy."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from shared.bulk import Bulk
from shared.crisis import service as crisis
from shared.crisis.schemas import PlaybookStep, PolicyCreate
from shared.db.uow import UnitOfWork
from shared.listening import ingestion, terms
from shared.listening.models import TermKind
from shared.listening.schemas import MentionIn, TrackedTermCreate
from shared.social_accounts.models import Platform

POSTS = [
    "La nouvelle collection Maison Lumière est sublime 😍",
    "Commande Maison Lumière reçue en 48h, emballage impeccable, merci !",
    "@maisonlumiere toujours pas de nouvelles de mon remboursement, 3 semaines... 😡",
    "Maison Lumière ou Atelier Solène pour une robe de mariée ? Vos avis ?",
    "Franchement pas terrible la qualité du dernier pull Maison Lumière",
    "Le SAV de Maison Lumière a été top, échange fait en 2 jours 👍",
    "Maison Lumière ouvre une boutique à Lyon le mois prochain.",
    "Atelier Solène a encore augmenté ses prix, ça craint",
    "Atelier Solène sort une capsule avec une créatrice japonaise.",
    "Obsessed with the new Maison Lumière linen shirts, perfect fit!",
    "@maisonlumiere my order arrived damaged and nobody answers the chat. Not great.",
    "Does Maison Lumière ship to Canada?",
    "#maisonlumiere the spring lookbook is gorgeous ✨",
    "Atelier Solène customer service is a joke, still waiting for a reply 🙄",
]


async def seed(uow: UnitOfWork, workspace_id: uuid.UUID, now: datetime) -> None:
    rng = random.Random(7)
    await terms.create_term(
        uow,
        workspace_id,
        TrackedTermCreate(
            term="Maison Lumière",
            kind=TermKind.brand,
            synonyms=["#maisonlumiere", "@maisonlumiere"],
        ),
    )
    await terms.create_term(
        uow, workspace_id, TrackedTermCreate(term="Atelier Solène", kind=TermKind.competitor)
    )
    await crisis.create_policy(
        uow,
        workspace_id,
        PolicyCreate(
            name="Brand crisis",
            freeze_publishing_at="crisis",
            playbook=[
                PlaybookStep(
                    text="Check the sample mentions and the explanation",
                    owner_role="community_manager",
                ),
                PlaybookStep(
                    text="Pause paid campaigns on the platforms concerned", owner_role="social_lead"
                ),
                PlaybookStep(text="Publish a holding statement", owner_role="communications"),
            ],
        ),
    )
    mentions = [
        MentionIn(
            platform=rng.choice(
                [Platform.instagram, Platform.x, Platform.tiktok, Platform.facebook]
            ),
            external_id=f"demo-{i}",
            author_handle=f"@fan{rng.randrange(400)}",
            author_followers=int(rng.paretovariate(1.3) * 80),
            text=rng.choice(POSTS),
            posted_at=now - timedelta(minutes=rng.randrange(7 * 24 * 60)),
        )
        for i in range(400)
    ]
    batch = await ingestion.ingest(uow, workspace_id, Bulk.whole("mentions", mentions), now)
    await ingestion.analyse_batch(uow, workspace_id, batch.id, now)
