"""`Money` — the one type of every amount in the API — its input, and the `CurrencyCode` enum.

`amount` is a decimal in major units (19.99), `amountMinor` the same in minor units (1999),
`currency` an ISO 4217 code, and `formatted` the amount written for the caller's locale (from
`Accept-Language`: "$19.99", "19,99 $US"). Amounts are stored as integer minor units.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

import strawberry
from babel.numbers import format_currency

from app.money import Amount, currencies, from_minor
from schema.core.context import Info
from schema.core.inputs import Input

_currency_enum: Any = Enum("CurrencyCode", {c: c for c in currencies()})  # type: ignore[misc]
CurrencyCode: Any = strawberry.enum(
    _currency_enum,
    name="CurrencyCode",
    description="An ISO 4217 currency code.",
)


@lru_cache(maxsize=4096)
def _format(amount: Decimal, currency: str, locale: str) -> str:
    return str(format_currency(amount, currency, locale=locale))


def formatted(amount_minor: int, currency: str, locale: str) -> str:
    """`Money.formatted`: the amount written for `locale` ("$19.99", "19,99 $US")."""
    return _format(from_minor(amount_minor, currency), currency, locale)


@strawberry.type(description="An amount of money in one currency.")
class Money:
    amount_minor: int = strawberry.field(
        description="The amount in minor units of the currency (cents): 1999 for 19.99 USD."
    )
    currency_code: strawberry.Private[str]

    @classmethod
    def of(cls, amount_minor: int, currency: str) -> Money:
        return cls(amount_minor=amount_minor, currency_code=currency)

    @classmethod
    def maybe(cls, amount_minor: int | None, currency: str) -> Money | None:
        return (
            None if amount_minor is None else cls(amount_minor=amount_minor, currency_code=currency)
        )

    @strawberry.field(description="The amount in major units, exact: 19.99.")
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency_code)

    @strawberry.field
    def currency(self) -> CurrencyCode:
        return CurrencyCode[self.currency_code]

    @strawberry.field(description="The amount written for the caller's locale (Accept-Language).")
    def formatted(self, info: Info) -> str:
        return formatted(self.amount_minor, self.currency_code, info.context.locale)


@strawberry.input(description="An amount in major units (19.99) and its currency.")
class MoneyInput(Input):
    amount: Decimal
    currency: CurrencyCode

    into = Amount
