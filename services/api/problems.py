"""RFC 9457 problem details: the one error shape every client sees (API-3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel, Field
from starlette.responses import Response

from shared.i18n import FALLBACK, Language, Message, Text, catalog, negotiate, render

PROBLEM_JSON = "application/problem+json"
#: On every response (F10): browsers must not guess a type other than the one declared.
NOSNIFF = ("X-Content-Type-Options", "nosniff")


class ProblemFieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Documented shape of every error body."""

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["campaign 6f1c... does not exist"])
    request_id: str | None = Field(default=None, examples=["9b2f6f0e6b6a4e0c"])
    errors: list[ProblemFieldError] | None = None


_CONFLICT = Text(en="Conflict", fr="Conflit")

#: Every problem type's title (RFC 9457: one title per type, whatever the occurrence), by
#: its slug; the slug itself (`type`) never changes with the language. The conflicts a
#: domain refuses share the title "Conflict": their `type` and `detail` say which.
TITLES = catalog(
    "problems.titles",
    {
        "domain-error": Text(en="Request refused", fr="Requête refusée"),
        "not-found": Text(en="Not found", fr="Introuvable"),
        "conflict": _CONFLICT,
        "invalid-transition": _CONFLICT,
        "alert-open": _CONFLICT,
        "crisis-freeze": _CONFLICT,
        "currency-in-use": _CONFLICT,
        "delivery-in-flight": _CONFLICT,
        "duplicate": _CONFLICT,
        "endpoint-disabled": _CONFLICT,
        "frozen": _CONFLICT,
        "in-use": _CONFLICT,
        "invalid-dates": _CONFLICT,
        "invalid-variant": _CONFLICT,
        "key-limit": _CONFLICT,
        "last-admin-key": _CONFLICT,
        "missing-dates": _CONFLICT,
        "not-deletable": _CONFLICT,
        "not-connected": _CONFLICT,
        "not-retargeting": _CONFLICT,
        "schedule-past": _CONFLICT,
        "system-status": _CONFLICT,
        "idempotency-in-flight": _CONFLICT,
        "precondition-failed": Text(en="Precondition failed", fr="Précondition non remplie"),
        "unauthenticated": Text(en="Unauthenticated", fr="Non authentifié"),
        "forbidden": Text(en="Forbidden", fr="Interdit"),
        "not-acceptable": Text(en="Not acceptable", fr="Format non disponible"),
        "validation-error": Text(en="Validation error", fr="Erreur de validation"),
        "malformed-json": Text(en="Malformed JSON", fr="JSON mal formé"),
        "malformed-body": Text(en="Malformed body", fr="Corps de requête mal formé"),
        "method-not-allowed": Text(en="Method not allowed", fr="Méthode non autorisée"),
        "payload-too-large": Text(en="Payload too large", fr="Corps de requête trop volumineux"),
        "request-header-too-large": Text(
            en="Request header fields too large", fr="En-têtes de requête trop volumineux"
        ),
        "http-error": Text(en="HTTP error", fr="Erreur HTTP"),
        "rate-limited": Text(en="Too many requests", fr="Trop de requêtes"),
        "idempotency-key-reused": Text(
            en="Idempotency-Key reused", fr="Idempotency-Key réutilisée"
        ),
        "internal": Text(en="Internal error", fr="Erreur interne"),
        "unavailable": Text(en="Service unavailable", fr="Service indisponible"),
    },
)

#: The details the API layer itself writes (the domain's are with their domains).
DETAILS = catalog(
    "problems.details",
    {
        "malformed-json": Text(
            en="the body is not valid JSON", fr="le corps n'est pas du JSON valide"
        ),
        "payload-too-large": Text(
            en="the body exceeds {limit} bytes", fr="le corps dépasse {limit} octets"
        ),
        "idempotency-key-length": Text(
            en="Idempotency-Key is at most 255 characters",
            fr="Idempotency-Key fait au plus 255 caractères",
        ),
        "idempotency-in-flight": Text(
            en="a request with this Idempotency-Key is still in flight",
            fr="une requête avec cette Idempotency-Key est encore en cours",
        ),
        "idempotency-key-reused": Text(
            en="this Idempotency-Key was used with another request body or path",
            fr="cette Idempotency-Key a servi pour un autre corps ou chemin de requête",
        ),
        "idempotency-unreadable": Text(
            en="the stored response to this Idempotency-Key cannot be read; it has been logged",
            fr="la réponse enregistrée pour cette Idempotency-Key est illisible ; l'incident "
            "est journalisé",
        ),
        "stale": Text(
            en="the resource changed while you updated it: fetch and retry",
            fr="la ressource a changé pendant votre modification : relisez-la et réessayez",
        ),
        "conflict": Text(
            en="the change conflicts with existing data (duplicate or in use)",
            fr="la modification entre en conflit avec des données existantes (doublon ou "
            "utilisation en cours)",
        ),
        "commit-conflict": Text(
            en="the change conflicts with existing data",
            fr="la modification entre en conflit avec des données existantes",
        ),
        "commit-failed": Text(
            en="the change could not be saved; it has been logged",
            fr="la modification n'a pas pu être enregistrée ; l'incident est journalisé",
        ),
        "internal": Text(
            en="something went wrong on our side; it has been logged",
            fr="une erreur s'est produite de notre côté ; elle est journalisée",
        ),
        "unavailable": Text(
            en="the database is unreachable; nothing was saved, retry",
            fr="la base de données est injoignable ; rien n'a été enregistré, réessayez",
        ),
        "rate-limited": Text(
            en="this key may make {limit} requests a minute; retry in {retry_after} s",
            fr="cette clé peut faire {limit} requêtes par minute ; réessayez dans {retry_after} s",
        ),
        "auth-limited": Text(
            en="more than {limit} failed authentications a minute from this address; retry "
            "in {retry_after} s",
            fr="plus de {limit} authentifications échouées par minute depuis cette adresse ; "
            "réessayez dans {retry_after} s",
        ),
        "bearer-missing": Text(
            en="send an API key as `Authorization: Bearer <key>`",
            fr="envoyez une clé d'API en `Authorization: Bearer <clé>`",
        ),
        "operator-token": Text(
            en="this operation needs the operator token (SMM_ADMIN_TOKEN)",
            fr="cette opération exige le jeton d'opérateur (SMM_ADMIN_TOKEN)",
        ),
        "json-only": Text(
            en="this operation answers in application/json only; `Accept: {accept}` is not one",
            fr="cette opération répond en application/json seulement ; `Accept: {accept}` "
            "n'en fait pas partie",
        ),
        "json-or-csv": Text(
            en="this operation answers in application/json or text/csv; `Accept: {accept}` "
            "is not one",
            fr="cette opération répond en application/json ou text/csv ; `Accept: {accept}` "
            "n'en fait pas partie",
        ),
        "not-found": Text(en="Not Found", fr="Introuvable"),
        "method-not-allowed": Text(en="Method Not Allowed", fr="Méthode non autorisée"),
    },
)


def problem_language(headers: Mapping[str, str] | None) -> Language:
    """The language a request's problems are written in: its `Accept-Language`."""
    return negotiate(None if headers is None else headers.get("accept-language"))


def scope_language(scope: Mapping[str, Any]) -> Language:
    """`problem_language` for middleware that holds the ASGI scope, not a request."""
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            return negotiate(value.decode("latin-1"))
    return FALLBACK


def problem_response(
    status: int,
    title: str,
    detail: str | Message,
    slug: str,
    request_id: str | None,
    headers: Mapping[str, str] | None = None,
    *,
    language: Language = FALLBACK,
    **extra: Any,
) -> Response:
    """A problem in `language` (its `title` from `TITLES`, `title` here when the type has
    none there); it varies with `Accept-Language`, and says so."""
    known = TITLES.get(slug)
    body = {
        "type": f"/problems/{slug}",
        "title": title if known is None else known(language),
        "status": status,
        "detail": render(detail, language),
        "request_id": request_id,
        **extra,
    }
    response = Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )
    response.headers["Content-Language"] = language.value
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    if request_id:
        response.headers["X-Request-ID"] = request_id
    # Starlette answers an unhandled error outside the app's middleware: say it here too.
    response.headers[NOSNIFF[0]] = NOSNIFF[1]
    return response


def unavailable(request_id: str | None, language: Language = FALLBACK) -> Response:
    """The database is down: nothing was done, come back shortly (REL-3)."""
    return problem_response(
        503,
        "Service unavailable",
        DETAILS["unavailable"].of(),
        "unavailable",
        request_id,
        {"Retry-After": "5"},
        language=language,
    )


def _doc(status: int, description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


Responses = dict[int | str, dict[str, Any]]

#: The error responses an operation can give, for OpenAPI (API-9).
AUTH_ERRORS: Responses = {
    401: _doc(401, "Missing, invalid, revoked or expired API key"),
    403: _doc(403, "The key's role is too low for this operation"),
    406: _doc(406, "`Accept` admits neither JSON nor, where the operation offers it, CSV"),
    422: _doc(422, "Invalid input: every bad field is listed in `errors`"),
    429: _doc(429, "Rate limit exceeded: retry after `Retry-After` seconds"),
}
NOT_FOUND: Responses = {404: _doc(404, "No such resource in this workspace")}
#: The server's answer to a request line and headers over `MAX_HEADER_BYTES`, before any
#: route runs (services/api/server.py): the one 4xx of operations that read no input.
HEAD_TOO_LARGE: Responses = {431: _doc(431, "The request line and headers exceed the limit")}
CONFLICT: Responses = {409: _doc(409, "Refused in the resource's current state")}
PRECONDITION: Responses = {412: _doc(412, "`If-Match` does not match the current ETag")}
BODY: Responses = {
    400: _doc(400, "The body is not valid JSON"),
    413: _doc(413, "Body larger than the configured limit"),
}
IDEMPOTENCY: Responses = {
    **BODY,
    409: _doc(
        409,
        "Refused in the current state, or a request with this Idempotency-Key is still in flight",
    ),
}
