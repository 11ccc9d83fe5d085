"""Pure pricing: lines + coupon terms + tax rate → Totals. No I/O, integers only.

Rules (hypothesis-tested in tests/commerce/test_pricing_properties.py):
- every amount is an int of minor units; one currency per priced set (else CURRENCY_MISMATCH);
- the discount applies to the discountable subtotal (the lines in the coupon's scope) and never
  exceeds it; a percentage is rounded half-up; a coupon with a currency (a fixed amount, or a
  minimum order) discounts nothing on lines in another currency; below the coupon's minimum
  order (compared with the whole subtotal) nothing either;
- the order discount is spread over the discountable lines in proportion to their price (largest
  remainder), so every line's discount is within its price and the lines add up exactly;
- tax = round_half_up((subtotal - discount) * rate_bps / 10000), once per order;
- total = subtotal - discount + tax, never negative.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.commerce.errors import CommerceCode
from app.errors import Conflict

BPS = 10_000
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class PriceLine:
    course_id: uuid.UUID
    unit_price_minor: int
    currency: str


@dataclass(frozen=True)
class DiscountTerms:
    """What a coupon takes off. `course_ids` None: every course; otherwise only those.
    `currency`: the currency of the fixed amount and of the minimum order (None: a percentage
    without a minimum, good in any currency)."""

    percent_off: int | None = None
    amount_off_minor: int | None = None
    currency: str | None = None
    course_ids: frozenset[uuid.UUID] | None = None
    min_order_minor: int = 0

    def covers(self, course_id: uuid.UUID) -> bool:
        return self.course_ids is None or course_id in self.course_ids


@dataclass(frozen=True)
class LineTotal:
    course_id: uuid.UUID
    unit_price_minor: int
    discount_minor: int
    total_minor: int


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    currency: str
    lines: tuple[LineTotal, ...] = ()


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def currency_of(lines: Sequence[PriceLine], default: str = DEFAULT_CURRENCY) -> str:
    """The one currency of `lines` (CURRENCY_MISMATCH when they mix)."""
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise Conflict(
            None, "All items must be priced in one currency", CommerceCode.CURRENCY_MISMATCH
        )
    return currencies.pop() if currencies else default


def discountable_subtotal(lines: Sequence[PriceLine], terms: DiscountTerms) -> int:
    return sum(line.unit_price_minor for line in lines if terms.covers(line.course_id))


def discount_for(lines: Sequence[PriceLine], terms: DiscountTerms | None, currency: str) -> int:
    """The order discount `terms` give on `lines` (0 when they do not apply)."""
    if terms is None or (terms.currency is not None and terms.currency != currency):
        return 0
    if sum(line.unit_price_minor for line in lines) < terms.min_order_minor:
        return 0
    base = discountable_subtotal(lines, terms)
    if terms.percent_off is not None:
        percent = max(0, min(100, terms.percent_off))
        return min(base, round_half_up(base * percent, 100))
    if terms.amount_off_minor is not None and terms.currency is not None:
        return min(base, max(0, terms.amount_off_minor))
    return 0


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` (at most sum(weights)) in proportion to `weights`, largest remainder first;
    every share is within its weight and the shares add up to `amount`."""
    total = sum(weights)
    if total == 0 or amount == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    left = amount - sum(shares)
    for i in remainders:
        if left == 0:
            break
        if shares[i] < weights[i]:
            shares[i] += 1
            left -= 1
    return shares


def price_lines(
    lines: Sequence[PriceLine],
    *,
    terms: DiscountTerms | None = None,
    tax_rate_bps: int = 0,
    currency: str | None = None,
) -> Totals:
    """Totals of `lines` with an optional coupon and a tax rate in basis points."""
    cur = currency_of(lines, currency or DEFAULT_CURRENCY)
    if currency is not None and lines and cur != currency:
        raise Conflict(
            None, "All items must be priced in one currency", CommerceCode.CURRENCY_MISMATCH
        )
    subtotal = sum(line.unit_price_minor for line in lines)
    discount = discount_for(lines, terms, cur)
    weights = [
        line.unit_price_minor if terms is not None and terms.covers(line.course_id) else 0
        for line in lines
    ]
    shares = allocate(discount, weights)
    tax = round_half_up((subtotal - discount) * max(0, tax_rate_bps), BPS)
    return Totals(
        subtotal_minor=subtotal,
        discount_minor=discount,
        tax_minor=tax,
        total_minor=subtotal - discount + tax,
        currency=cur,
        lines=tuple(
            LineTotal(line.course_id, line.unit_price_minor, share, line.unit_price_minor - share)
            for line, share in zip(lines, shares, strict=True)
        ),
    )
