"""RFC 9457 problem details: the one error shape every client sees (API-3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel, Field
from starlette.responses import Response

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


def problem_response(
    status: int,
    title: str,
    detail: str,
    slug: str,
    request_id: str | None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": request_id,
        **extra,
    }
    response = Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )
    if request_id:
        response.headers["X-Request-ID"] = request_id
    # Starlette answers an unhandled error outside the app's middleware: say it here too.
    response.headers[NOSNIFF[0]] = NOSNIFF[1]
    return response


def unavailable(request_id: str | None) -> Response:
    """The database is down: nothing was done, come back shortly (REL-3)."""
    return problem_response(
        503,
        "Service unavailable",
        "the database is unreachable; nothing was saved, retry",
        "unavailable",
        request_id,
        {"Retry-After": "5"},
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
