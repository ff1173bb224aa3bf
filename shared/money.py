"""Money by value: the ISO 4217 minor units of a currency decide how many places an amount
may carry. `"120.0000"` is exactly 120.00 euros and is accepted; `"12.345"` fits Tunisian
dinars (3 places) but not euros; yen have no minor unit at all.

The table comes from the `iso4217` package (the ISO maintenance agency's list); currencies
without a minor unit defined there (gold, SDR, test codes) are not accepted as a currency."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from iso4217 import Currency

from shared.errors import FieldError

#: ISO 4217 code -> number of minor-unit places, for every currency that has one.
EXPONENTS: dict[str, int] = {c.code: c.exponent for c in Currency if c.exponent is not None}
#: The codes a workspace or a campaign may be kept in, sorted (the schema's enum).
CURRENCIES: tuple[str, ...] = tuple(sorted(EXPONENTS))


def exponent(currency: str) -> int:
    """Places of the currency's minor unit: JPY 0, EUR 2, TND 3 (a code the schema admits)."""
    return EXPONENTS[currency]


def unit(currency: str) -> Decimal:
    """The currency's smallest amount: `Decimal("0.01")` for EUR, `Decimal("1")` for JPY."""
    return Decimal(1).scaleb(-exponent(currency))


def fits(amount: Decimal, currency: str) -> bool:
    """Whether the amount is a whole number of the currency's minor units (its value, not
    the way it is written: trailing zeros are fine)."""
    return amount == amount.quantize(unit(currency))


def exact(amount: Decimal, currency: str) -> Decimal:
    """The amount written with the currency's places, for storage (call `fits` first: the
    value is unchanged, only trailing zeros are added or taken off)."""
    return amount.quantize(unit(currency))


def rounded(amount: Decimal, currency: str) -> Decimal:
    """A computed amount (a cost per click, a share of budget) rounded to the currency's
    minor unit, half to even, as accounting does."""
    return amount.quantize(unit(currency), rounding=ROUND_HALF_EVEN)


def too_precise(currency: str) -> str:
    places = exponent(currency)
    unit_text = "no minor unit" if places == 0 else f"{places} decimal place(s)"
    return f"{currency} has {unit_text} (ISO 4217): this amount is finer than that"


def misfits(
    amounts: Iterable[tuple[Sequence[str | int], Decimal | None]], currency: str
) -> list[FieldError]:
    """A `currency_precision` error for each amount (given with its `loc`) that the
    currency cannot hold."""
    return [
        FieldError(loc, too_precise(currency), "currency_precision")
        for loc, amount in amounts
        if amount is not None and not fits(amount, currency)
    ]
