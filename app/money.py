"""Money: integer minor units plus an ISO 4217 currency, never a float.

The currencies are those legal tender somewhere on 2026-01-01 (CLDR via babel; a fixed date so
the published enum never changes with the calendar), never one of the ISO 4217 codes that are not
money one can be charged in (`NOT_TENDER`: no currency, testing, precious metals, units of
account, bond-market units and funds codes), whatever a babel release says. `to_minor` refuses
amounts with more decimals than the currency has (19.999 USD), `from_minor` is exact.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

from app.errors import Common, FieldError, UserFacingError

CURRENCIES_AS_OF = datetime.date(2026, 1, 1)
# amounts are below 10^12 major units: in minor units (3 decimals at most) well within int64
MAX_AMOUNT_DIGITS = 12

# ISO 4217 codes that no price, coupon or payment may use
NOT_TENDER = frozenset(
    {
        "XXX",  # no currency
        "XTS",  # reserved for testing
        *("XAU", "XAG", "XPD", "XPT"),  # gold, silver, palladium, platinum
        *("XDR", "XSU", "XUA"),  # units of account: SDR, Sucre, ADB unit
        *("XBA", "XBB", "XBC", "XBD"),  # European bond-market units
        *("XFO", "XFU", "XRE"),  # withdrawn gold franc, UIC franc, RINET funds
        *("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "USS", "UYI", "UYW"),  # funds codes
    }
)


@cache
def currencies() -> tuple[str, ...]:
    """The ISO 4217 codes of every currency that is legal tender somewhere, sorted."""
    found: set[str] = set()
    for territory in get_global("territory_currencies"):
        found.update(get_territory_currencies(territory, CURRENCIES_AS_OF, tender=True))
    return tuple(sorted(found - NOT_TENDER))


def is_currency(code: str) -> bool:
    return code in currencies()


@cache
def precision(currency: str) -> int:
    """Digits after the decimal point: 2 for USD, 0 for JPY, 3 for BHD."""
    return int(get_currency_precision(currency))


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-precision(currency))


def minor_or_error(amount: Decimal, currency: str, field: str) -> int | FieldError:
    """`amount` in minor units of `currency`, or the field error that says why it cannot be."""
    if not is_currency(currency):
        return FieldError(
            field, f"{currency[:8]} is not an ISO 4217 currency", Common.UNKNOWN_CURRENCY
        )
    if not amount.is_finite():
        return FieldError(field, "Enter a number", Common.INVALID)
    if amount != 0 and amount.adjusted() >= MAX_AMOUNT_DIGITS:
        return FieldError(field, "The amount is too large", Common.OUT_OF_RANGE)
    scaled = amount.scaleb(precision(currency))
    if scaled != scaled.to_integral_value():
        digits = precision(currency)
        return FieldError(field, f"{currency} has {digits} decimals at most", Common.TOO_PRECISE)
    return int(scaled)


@dataclass(frozen=True)
class Amount:
    """An amount as a caller writes it: major units and a currency code."""

    amount: Decimal
    currency: str


def to_minor(value: Amount, field: str) -> int:
    """`value` in minor units; `Invalid` (on `field`) when the currency or precision is wrong."""
    minor = minor_or_error(value.amount, value.currency, field)
    if isinstance(minor, FieldError):
        raise UserFacingError([minor])
    return minor
