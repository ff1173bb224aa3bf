"""Types every API schema shares: strict inputs, money as decimal strings, aware UTC times."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

from shared import money

T = TypeVar("T")

#: One rule for every text input: no control character but tab, LF and CR (C0, DEL, C1).
#: PostgreSQL cannot store NUL (a 500 otherwise), and the rest never belong in a name or a
#: post. A pattern, so bulk bodies check it in pydantic-core without Python per row, and
#: the schema says it: every free-text field carries it (tests/api/test_text_inputs.py).
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

#: `json_schema_extra` of a list that holds each value once (its model checks it).
UNIQUE: dict[str, Any] = {"uniqueItems": True}

#: Free text: any printable characters; each field adds its own length bounds.
Text = Annotated[str, Field(pattern=PRINTABLE)]


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

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The schema says what `_refuse_null` enforces: a `NOT_NULL` field is optional but
        never `null` (the type hint stays `X | None`, as the field is absent by default)."""
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name in cls.NOT_NULL:
            field = properties.get(name, {})
            branches = [b for b in field.get("anyOf", ()) if b != {"type": "null"}]
            if field.get("default", ...) is None:
                del field["default"]
            if "anyOf" in field and len(branches) == 1:
                del field["anyOf"]
                field.update(branches[0])
            elif "anyOf" in field:
                field["anyOf"] = branches
        return schema

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


def _integral(value: float) -> int:
    if not value.is_integer():
        raise ValueError("not an integer")
    return int(value)


@dataclass(frozen=True)
class JsonInt:
    """`Annotated[int, JsonInt(ge, le)]`: an integer as JSON Schema counts them, in bulk bodies
    validated strictly: `5` and `5.0` alike, never `"5"` or `true`. An integer is read in
    pydantic-core alone; only a float pays for a Python check."""

    ge: int
    le: int

    def __get_pydantic_core_schema__(self, _source: Any, _handler: Any) -> CoreSchema:
        return cs.union_schema(
            [
                cs.int_schema(strict=True, ge=self.ge, le=self.le),
                cs.no_info_after_validator_function(
                    _integral,
                    cs.float_schema(strict=True, ge=self.ge, le=self.le, allow_inf_nan=False),
                ),
            ],
            custom_error_type="json_int",
            custom_error_message=f"Input should be an integer from {self.ge} to {self.le}",
        )

    def __get_pydantic_json_schema__(
        self, _schema: CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "integer", "minimum": self.ge, "maximum": self.le}


def decimal_text(pattern: str, *, example: str, max_length: int) -> Any:
    """A decimal sent as a JSON string that matches `pattern`, which holds every bound (digits,
    places, range), so the schema documents exactly what is accepted; a JSON number is
    refused, as the schema says."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, Decimal) or (isinstance(value, str) and compiled.fullmatch(value)):
            return value
        raise ValueError(f"a decimal string such as {example!r} (a JSON number loses digits)")

    return BeforeValidator(check), WithJsonSchema(decimal_schema(pattern, example, max_length))


def decimal_schema(pattern: str, example: str, max_length: int) -> dict[str, Any]:
    """A decimal in the schema: a string (a JSON number loses digits) in `format: decimal`."""
    return {
        "type": "string",
        "format": "decimal",
        "pattern": pattern,
        "maxLength": max_length,
        "examples": [example],
    }


def _as_written(value: Decimal) -> str:
    """The decimal with the places it holds: services store and compute money with its
    currency's places (`shared.money`), so this writes them as they are."""
    return format(value, "f")


#: Money as sent: up to 12 digits before the point and any trailing zeros after it; the
#: value must fit the currency's minor units (ISO 4217), which the services check, since
#: the currency is the workspace's or the campaign's (`shared.money.misfits`).
MONEY = r"^\d{1,12}(\.\d{1,12})?$"

Money = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    *decimal_text(MONEY, example="1500.00", max_length=25),
    PlainSerializer(_as_written, return_type=str, when_used="json"),
]

#: Money kept as its text where rows are validated in bulk (the rows' Decimal is made in SQL).
MoneyText = Annotated[
    str,
    Field(pattern=MONEY, max_length=25),
    WithJsonSchema(decimal_schema(MONEY, "1500.00", 25)),
]

#: Money in an answer: a decimal string with its currency's places (negative for a loss).
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(_as_written, return_type=str, when_used="json"),
    WithJsonSchema(decimal_schema(r"^-?\d+(\.\d+)?$", "1500.00", 40)),
]

#: A share from 0 to 1 with at most 6 places ("0.035").
Share = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=7, decimal_places=6, allow_inf_nan=False),
    *decimal_text(r"^(0(\.\d{1,6})?|1(\.0{1,6})?)$", example="0.035", max_length=8),
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

#: The timestamp of bulk rows, validated strictly by pydantic-core alone (no Python per row):
#: bounds a day inside the calendar, so that its UTC time always exists (F4); the services
#: check the tighter ranges that make sense for each kind of row.
RowTimestamp = Annotated[
    AwareDatetime,
    Field(ge=datetime(1, 1, 2, tzinfo=UTC), le=datetime(9999, 12, 30, tzinfo=UTC)),
]


def _known_currency(value: str) -> str:
    if value not in money.EXPONENTS:
        raise ValueError(f"not an ISO 4217 currency with a minor unit: {value!r}")
    return value


#: An ISO 4217 code whose minor unit is defined (its places decide what amounts fit).
CurrencyCode = Annotated[
    str,
    Field(max_length=3, examples=["EUR"], json_schema_extra={"enum": list(money.CURRENCIES)}),
    AfterValidator(_known_currency),
]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", max_length=2, examples=["FR"])]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`PageOut[CampaignRead]` is `CampaignPage` in the schema (and in generated
        clients), not pydantic's `PageOut_CampaignRead_`."""
        (item,) = params
        return f"{item.__name__.removesuffix('Read')}Page"
