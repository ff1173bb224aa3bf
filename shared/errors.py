"""Domain errors. No HTTP here: the API maps them to problem+json, the worker records them.

A refusal's detail is a `Message` (a text and its parameters) where it can be: the API
renders it in the language the request asks for (`Accept-Language`), logs and the CLI in
English (`str()`). A plain string still works and stays as written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.i18n import Language, Message, Text, catalog, render


@dataclass(frozen=True)
class FieldError:
    loc: Sequence[str | int]
    msg: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


#: What a `NotFound` or an unknown reference names, as each repository calls it. An unknown
#: noun still works, in English (tests/test_i18n.py checks every noun the code names is here).
NOUNS = catalog(
    "errors.nouns",
    {
        "workspace": Text(en="workspace", fr="espace de travail"),
        "API key": Text(en="API key", fr="clé d'API"),
        "campaign": Text(en="campaign", fr="campagne"),
        "content item": Text(en="content item", fr="contenu"),
        "social account": Text(en="social account", fr="compte social"),
        "audience": Text(en="audience", fr="audience", same=True),
        "audience refresh": Text(en="audience refresh", fr="actualisation d'audience"),
        "ingest batch": Text(en="ingest batch", fr="lot d'import"),
        "attribution run": Text(en="attribution run", fr="calcul d'attribution"),
        "tracked term": Text(en="tracked term", fr="terme suivi"),
        "mention": Text(en="mention", fr="mention", same=True),
        "escalation policy": Text(en="escalation policy", fr="politique d'escalade"),
        "alert": Text(en="alert", fr="alerte"),
        "webhook endpoint": Text(en="webhook endpoint", fr="point de réception de webhooks"),
        "webhook delivery": Text(en="webhook delivery", fr="livraison de webhook"),
        "A/B test group": Text(en="A/B test group", fr="groupe de test A/B"),
        "job": Text(en="job", fr="tâche"),
    },
)

#: The details the generic errors write.
DETAILS = catalog(
    "errors.details",
    {
        "not-found": Text(en="{what} {ident} does not exist", fr="{what} {ident} introuvable"),
        "invalid-transition": Text(
            en="{what} cannot move from '{current}' to '{target}' "
            "(allowed from '{current}': {options})",
            fr="{what} : impossible de passer de « {current} » à « {target} » "
            "(possible depuis « {current} » : {options})",
        ),
        "none": Text(en="none", fr="aucun"),
        "fields-invalid": Text(
            en="{count} field(s) are invalid", fr="{count} champ(s) invalide(s)"
        ),
        "key-required": Text(
            en="A valid API key is required", fr="Une clé d'API valide est requise"
        ),
        "stale-version": Text(
            en="the resource changed since you read it (your version {expected}, current "
            "{current}): fetch it again and retry",
            fr="la ressource a changé depuis votre lecture (votre version {expected}, "
            "actuelle {current}) : relisez-la puis réessayez",
        ),
    },
)


def noun(what: str) -> Text | str:
    """A noun as a text, when the catalog knows it."""
    return NOUNS.get(what, what)


class DomainError(Exception):
    """A refusal the client can act on. `slug` names the problem type; `detail` is its
    English form, `detail_in` the one a reader asks for."""

    def __init__(
        self,
        detail: str | Message,
        slug: str = "domain-error",
        title: str = "Request refused",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = detail
        self.slug = slug
        self.title = title
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(str(detail))

    @property
    def detail(self) -> str:
        return render(self.message, Language.en)

    def detail_in(self, language: Language) -> str:
        return render(self.message, language)

    def __str__(self) -> str:
        return self.detail


class NotFound(DomainError):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__(
            DETAILS["not-found"].of(what=noun(what), ident=ident), "not-found", "Not found"
        )


class Conflict(DomainError):
    def __init__(self, detail: str | Message, slug: str = "conflict") -> None:
        super().__init__(detail, slug, "Conflict")


class InvalidTransition(Conflict):
    def __init__(self, what: str, current: str, target: str, allowed: Sequence[str]) -> None:
        options: str | Text = ", ".join(allowed) or DETAILS["none"]
        super().__init__(
            DETAILS["invalid-transition"].of(
                what=noun(what), current=current, target=target, options=options
            ),
            "invalid-transition",
        )


class PreconditionFailed(DomainError):
    def __init__(self, detail: str | Message) -> None:
        super().__init__(detail, "precondition-failed", "Precondition failed")


class Unauthenticated(DomainError):
    def __init__(self, detail: str | Message = DETAILS["key-required"].of()) -> None:
        super().__init__(detail, "unauthenticated", "Unauthenticated")


class NotAcceptable(DomainError):
    def __init__(self, detail: str | Message) -> None:
        super().__init__(detail, "not-acceptable", "Not acceptable")


class PermissionDenied(DomainError):
    def __init__(self, detail: str | Message) -> None:
        super().__init__(detail, "forbidden", "Forbidden")


class ValidationFailed(DomainError):
    """Input that is well-formed but refers to things that do not hold (unknown ids, ...).
    Each field's `msg` stays English (as pydantic's); the summary is translated."""

    def __init__(self, errors: Sequence[FieldError], detail: str | Message | None = None) -> None:
        super().__init__(
            detail or DETAILS["fields-invalid"].of(count=len(errors)),
            "validation-error",
            "Validation error",
            {"errors": [e.as_dict() for e in errors]},
        )
        self.errors = list(errors)
