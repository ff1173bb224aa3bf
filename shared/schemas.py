"""Types every API schema shares: strict inputs, money as decimal strings, aware UTC times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    AnyUrl,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

T = TypeVar("T")

#: Text PostgreSQL can store: anything but NUL (a 500 otherwise). A pattern, so bulk
#: bodies check it in pydantic-core without Python per row.
NO_NUL = r"^[^\x00]*$"


class InputModel(BaseModel):
    """Unknown fields are refused (API-5: no mass assignment); text is kept verbatim."""

    model_config = ConfigDict(extra="forbid")


class NoOptions(InputModel):
    """The body of an action that takes no options: none, or `{}` (anything else is 422,
    so a client sending options it believes exist learns they do not)."""


class UpdateModel(InputModel):
    """A PATCH body: every field optional, but `null` only where the resource allows it.

    Omitting a field keeps it; sending `null` clears it, so a field listed in `NOT_NULL`
    refuses `null` instead of being silently ignored.
    """

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null(self) -> Self:
        nulls = sorted(f for f in self.NOT_NULL & self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"cannot be null: {', '.join(nulls)}")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as Python values (URLs as plain strings)."""
        return {name: _plain(getattr(self, name)) for name in self.model_fields_set}


def _plain(value: Any) -> Any:
    if isinstance(value, AnyUrl):
        return str(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _refuse_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError('a decimal is sent as a string such as "12.50", never a float')
    return value


#: Decimals travel as strings: a JSON float has already lost the exact value.
NoFloat = BeforeValidator(_refuse_float)


def _two_places(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


Money = Annotated[
    Decimal,
    NoFloat,
    Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        json_schema_extra={"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"},
        examples=["1500.00"],
    ),
    PlainSerializer(_two_places, return_type=str, when_used="json"),
]


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$"
)


def _rfc3339(value: Any) -> Any:
    """Pydantic's lax mode reads 0 or "0.5" as a Unix time: a client bug, not a date."""
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.match(value)):
        return value
    raise ValueError("an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:00:00Z")


def _to_utc(value: datetime) -> datetime:
    """In UTC; a time whose UTC falls outside years 1-9999 ("9999-12-31T23:59:59-14:00")
    is a client's error, not an OverflowError and a 500."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: its UTC time must fall within years 1 to 9999") from None


#: RFC 3339 with an offset; a naive timestamp is refused, and every value is kept in UTC.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_to_utc)]

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["FR"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
