"""Types every API schema shares: strict inputs, money as decimal strings, aware UTC times."""

from __future__ import annotations

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
    """Unknown fields are refused (API-5: no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _refuse_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("a decimal is sent as a string such as \"12.50\", never a float")
    return value


#: Decimals travel as strings: a JSON float has already lost the exact value.
NoFloat = BeforeValidator(_refuse_float)


def _two_places(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


Money = Annotated[
    Decimal,
    NoFloat,
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False,
          json_schema_extra={"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"},
          examples=["1500.00"]),
    PlainSerializer(_two_places, return_type=str, when_used="json"),
]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


#: RFC 3339 with an offset; a naive timestamp is refused, and every value is kept in UTC.
Timestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["FR"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
