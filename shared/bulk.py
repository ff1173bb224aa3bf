"""Bulk bodies (ING-2): every bad row of a batch in one answer, the rows' type errors and
their rule errors together, without slowing down the batch that has none.

A batch is validated from its raw bytes by pydantic-core in one call: the happy path runs
no Python per row. Only when that call fails is the batch looked at row by row, to keep
the rows that passed (with their index in the body) for the services' rule checks, which
then refuse the batch with the schema's errors and theirs, sorted by row, at once."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ValidationError, create_model

from shared.errors import FieldError, ValidationFailed
from shared.i18n import Grouped, Message, Text, catalog
from shared.money import CURRENCIES, EXPONENTS, misfits, unit

T = TypeVar("T", covariant=True)
R = TypeVar("R", bound=BaseModel)

#: A refusal lists at most this many errors (its `detail` counts them all): 10,000 bad
#: rows make an answer of megabytes that no client reads past its first screen.
MAX_LISTED = 1_000


@dataclass(frozen=True, slots=True)
class Bulk(Generic[T]):
    """The rows of a bulk body that passed the schema, each with its index in the body,
    and the schema's errors of the others. Ingest only `checked()`'s rows: they are the
    whole batch, or nothing."""

    #: The body's field that holds the rows ("snapshots"): every error is located in it.
    collection: str
    rows: Sequence[T]
    #: The index in the body of each of `rows` (a `range` when every row passed).
    indexes: Sequence[int]
    #: The schema's errors, at ("body", collection, index, ...).
    errors: Sequence[FieldError] = ()

    @classmethod
    def whole(cls, collection: str, rows: Sequence[R]) -> Bulk[R]:
        """Rows that are all valid, as a batch that is already a model gives them."""
        return Bulk(collection, rows, range(len(rows)))

    def indexed(self) -> Iterator[tuple[int, T]]:
        """Each row that passed the schema, with its index in the body (for rule checks)."""
        return zip(self.indexes, self.rows, strict=True)

    def loc(self, index: int, field: str) -> tuple[str, str, int, str]:
        return ("body", self.collection, index, field)

    def checked(self, problems: Iterable[FieldError]) -> Sequence[T]:
        """The rows, when neither the schema nor the rule checks (`problems`) found any
        fault; else every fault at once, as one 422."""
        errors = [*self.errors, *problems]
        if errors:
            raise refusal(errors)
        return self.rows


def in_row_order(errors: Iterable[FieldError]) -> list[FieldError]:
    """Errors found by separate checks, by row index, then field (`sorted` is stable: a
    field's errors keep the order they were found in)."""
    return sorted(errors, key=lambda e: (int(e.loc[2]), [str(part) for part in e.loc[3:]]))


TEXTS = catalog(
    "bulk",
    {
        "error": Text(en="{n} error", fr="{n} erreur"),
        "errors": Text(en="{n} errors", fr="{n} erreurs"),
        "row": Text(en="{n} row", fr="{n} ligne"),
        "rows": Text(en="{n} rows", fr="{n} lignes"),
        "summary": Text(en="{errors} in {rows}", fr="{errors} dans {rows}"),
        "summary-listed": Text(
            en="{errors} in {rows}; the first {listed} are listed",
            fr="{errors} dans {rows} ; les {listed} premières sont listées",
        ),
    },
)


def _count(number: int, noun: str) -> Message:
    return TEXTS[noun if number == 1 else noun + "s"].of(n=Grouped(number))


def refusal(errors: Sequence[FieldError]) -> ValidationFailed:
    """A batch's errors as one 422, in row order: the first `MAX_LISTED` of them, and a
    `detail` that counts them all."""
    ordered = in_row_order(errors)
    rows = len({e.loc[2] for e in ordered})
    counts = {"errors": _count(len(ordered), "error"), "rows": _count(rows, "row")}
    if len(ordered) > MAX_LISTED:
        detail = TEXTS["summary-listed"].of(**counts, listed=Grouped(MAX_LISTED))
    else:
        detail = TEXTS["summary"].of(**counts)
    return ValidationFailed(ordered[:MAX_LISTED], detail)


@cache
def _shape(batch: type[BaseModel], row: type[BaseModel]) -> tuple[str, type[BaseModel]]:
    """The batch's one field (a list of rows), and the batch with its rows as raw JSON
    values: the same bounds (rows from 1 to the maximum, no other field), no row checked."""
    [(field, info)] = batch.model_fields.items()
    assert get_args(info.annotation) == (row,), f"{batch.__name__}.{field} holds no {row}"
    envelope = create_model(
        f"{batch.__name__}Envelope",
        __config__=batch.model_config,
        **{field: (list[Any], info)},  # type: ignore[call-overload]
    )
    return field, envelope


def rows_or_errors(raw: bytes, batch: type[BaseModel], row: type[R]) -> Bulk[R]:
    """The batch's rows, validated from the raw JSON in one pydantic-core call; when some
    fail, the ones that pass with their index, and the others' errors (all of them, as
    pydantic-core reports every error of every row).

    Raises `ValidationError` when the body is not a batch at all (malformed JSON, not an
    object, an unknown field, no rows or too many): its rows are not looked at then."""
    field, _ = _shape(batch, row)
    try:
        body = batch.model_validate_json(raw)
    except ValidationError as exc:
        return _row_by_row(raw, batch, row, exc)
    rows: Sequence[R] = getattr(body, field)
    return Bulk(field, rows, range(len(rows)))


def _row_by_row(
    raw: bytes, batch: type[BaseModel], row: type[R], found: ValidationError
) -> Bulk[R]:
    """The error path: the envelope alone (its own errors raised), then the rows pydantic
    named no error in, each validated alone from its JSON (strict validation of JSON
    differs from that of Python objects: a UUID or a time is a string in JSON only)."""
    field, envelope = _shape(batch, row)
    values: list[Any] = getattr(envelope.model_validate_json(raw), field)
    errors = _located(found, ("body",))
    bad = {e.loc[2] for e in errors}
    rows: list[R] = []
    indexes: list[int] = []
    for index, value in enumerate(values):
        if index in bad:
            continue
        try:
            rows.append(row.model_validate_json(json.dumps(value)))
        except ValidationError as exc:  # not expected: the batch's validation passed it
            errors += _located(exc, ("body", field, index))
        else:
            indexes.append(index)
    return Bulk(field, rows, indexes, errors)


def _located(exc: ValidationError, prefix: tuple[str | int, ...]) -> list[FieldError]:
    return [
        FieldError((*prefix, *e["loc"]), e["msg"], e["type"])
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


# Money kept as its text in bulk rows (`MoneyText`): 10,000 rows may each carry amounts,
# so the happy path reads them at C speed and makes no Decimal before it stores them. A
# target kept in a code without ISO 4217 minor units (stored before codes were checked)
# has nothing to check its amounts against: they are taken as sent.

#: Each currency's smallest amount (`money.unit`), made once.
_UNITS: dict[str, Decimal] = {code: unit(code) for code in CURRENCIES}


@cache
def _finer_than(places: int) -> re.Pattern[str]:
    return re.compile(rf"\.\d{{{places + 1}}}")


def may_misfit(texts: Iterable[str | None], currencies: Collection[str]) -> bool:
    """Whether any amount is written with more places than one of the currencies has:
    only such an amount can misfit (`"120.0000"` still fits euros: `money.misfits`
    decides). The texts are joined and searched once, which spares each row a Python call."""
    places = [EXPONENTS[c] for c in currencies if c in EXPONENTS]
    if not places:
        return False
    return _finer_than(min(places)).search(" ".join(filter(None, texts))) is not None


def amount_misfits(
    amounts: Iterable[tuple[Sequence[str | int], str | None]], currency: str
) -> list[FieldError]:
    """`money.misfits` of amounts as sent (`None`: not sent)."""
    if currency not in EXPONENTS:
        return []
    return misfits(((loc, Decimal(text)) for loc, text in amounts if text is not None), currency)


def stored_amount(text: str | None, currency: str) -> Decimal | None:
    """An amount that fits its currency, with the currency's places: `money.exact` with
    the unit made once (it runs for each amount of 10,000 rows). `"120.0000"` euros is
    stored as 120.00, `"7"` as 7.00."""
    if text is None:
        return None
    smallest = _UNITS.get(currency)
    return Decimal(text) if smallest is None else Decimal(text).quantize(smallest)
