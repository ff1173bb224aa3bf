"""Types every API schema shares: strict inputs, money as decimal strings, aware UTC times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

T = TypeVar("T")


class InputModel(BaseModel):
    """Unknown fields are refused (API-5: no mass assignment); text is kept verbatim."""

    model_config = ConfigDict(extra="forbid")


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
    return value.astimezone(UTC)


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
