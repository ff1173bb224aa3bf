"""Domain errors. No HTTP here: the API maps them to problem+json, the worker records them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    loc: Sequence[str | int]
    msg: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


@dataclass
class DomainError(Exception):
    """A refusal the client can act on. `slug` names the problem type."""

    detail: str
    slug: str = "domain-error"
    title: str = "Request refused"
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


class NotFound(DomainError):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} does not exist", "not-found", "Not found")


class Conflict(DomainError):
    def __init__(self, detail: str, slug: str = "conflict") -> None:
        super().__init__(detail, slug, "Conflict")


class InvalidTransition(Conflict):
    def __init__(self, what: str, current: str, target: str, allowed: Sequence[str]) -> None:
        options = ", ".join(allowed) or "none"
        super().__init__(
            f"{what} cannot move from '{current}' to '{target}' "
            f"(allowed from '{current}': {options})",
            "invalid-transition",
        )


class PreconditionFailed(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, "precondition-failed", "Precondition failed")


class Unauthenticated(DomainError):
    def __init__(self, detail: str = "A valid API key is required") -> None:
        super().__init__(detail, "unauthenticated", "Unauthenticated")


class NotAcceptable(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, "not-acceptable", "Not acceptable")


class PermissionDenied(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, "forbidden", "Forbidden")


class ValidationFailed(DomainError):
    """Input that is well-formed but refers to things that do not hold (unknown ids, ...)."""

    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        super().__init__(
            detail or f"{len(errors)} field(s) are invalid",
            "validation-error",
            "Validation error",
            {"errors": [e.as_dict() for e in errors]},
        )
        self.errors = list(errors)
