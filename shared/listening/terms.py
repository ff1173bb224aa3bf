"""Tracked terms (LIS-1): what a workspace listens for, capped, and the matcher built of them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from shared.crisis.models import EscalationPolicy
from shared.db.repository import TenantRepository
from shared.db.uow import UnitOfWork
from shared.errors import Conflict, FieldError, ValidationFailed
from shared.i18n import Text, catalog
from shared.listening.models import Mention, TrackedTerm
from shared.listening.schemas import MAX_TERMS_PER_WORKSPACE, TrackedTermCreate
from shared.listening.text import TermMatcher, matcher_for

TEXTS = catalog(
    "listening.terms",
    {
        "duplicate": Text(
            en="'{term}' is already tracked as {id}", fr="« {term} » est déjà suivi : {id}"
        ),
        "watched": Text(
            en="the escalation policy '{policy}' watches this term: edit it first",
            fr="la politique d'escalade « {policy} » surveille ce terme : modifiez-la d'abord",
        ),
    },
)


def repository(uow: UnitOfWork) -> TenantRepository[TrackedTerm]:
    return TenantRepository(uow.session, TrackedTerm, "tracked term")


async def create_term(
    uow: UnitOfWork, workspace_id: uuid.UUID, body: TrackedTermCreate
) -> TrackedTerm:
    duplicate = await uow.session.scalar(
        repository(uow).select(workspace_id).where(TrackedTerm.term == body.term)
    )
    if duplicate is not None:
        raise Conflict(TEXTS["duplicate"].of(term=body.term, id=duplicate.id), "duplicate")
    held = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(TrackedTerm)
        .where(TrackedTerm.workspace_id == workspace_id)
    )
    if (held or 0) >= MAX_TERMS_PER_WORKSPACE:
        raise ValidationFailed(
            [
                FieldError(
                    ("body", "term"),
                    f"a workspace tracks at most {MAX_TERMS_PER_WORKSPACE} terms; delete one first",
                    "too_many_terms",
                )
            ]
        )
    term = TrackedTerm(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        term=body.term,
        kind=body.kind,
        synonyms=list(dict.fromkeys(body.synonyms)),
    )
    uow.session.add(term)
    await uow.session.flush()
    return term


async def delete_term(uow: UnitOfWork, workspace_id: uuid.UUID, term_id: uuid.UUID) -> None:
    """Mentions keep their text; the term leaves their matches, set-based. Refused while
    an escalation policy watches it: the policy would silently watch less."""
    term = await repository(uow).get(workspace_id, term_id, lock=True)
    watching = await uow.session.scalar(
        sa.select(EscalationPolicy.name).where(
            EscalationPolicy.workspace_id == workspace_id,
            EscalationPolicy.term_ids.contains([term.id]),
        )
    )
    if watching is not None:
        raise Conflict(TEXTS["watched"].of(policy=watching), "in-use")
    await uow.session.execute(
        sa.update(Mention)
        .where(Mention.workspace_id == workspace_id, Mention.term_ids.contains([term.id]))
        .values(term_ids=sa.func.array_remove(Mention.term_ids, term.id))
    )
    await uow.session.delete(term)


async def matcher(uow: UnitOfWork, workspace_id: uuid.UUID) -> TermMatcher:
    """The workspace's terms and synonyms as one matcher, for the analysis."""
    rows = await uow.session.execute(
        sa.select(TrackedTerm.id, TrackedTerm.term, TrackedTerm.synonyms).where(
            TrackedTerm.workspace_id == workspace_id
        )
    )
    return matcher_for(tuple((str(ident), (term, *synonyms)) for ident, term, synonyms in rows))
