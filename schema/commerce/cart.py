"""The cart: its lines at the prices captured when added, the applied coupon, the totals, and
the inputs and payload of the cart's mutations. Every amount is a `Money` in the cart's currency.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.commerce import models
from app.commerce.cart import CartQuote
from schema.catalog.types import Course, PricingTierName
from schema.commerce.coupons import DiscountType, amount_off
from schema.commerce.orders import course_of
from schema.core.context import Info
from schema.core.errors import UserError
from schema.core.inputs import Input, node_id
from schema.core.money import Money
from schema.core.mutation import Payload


@strawberry.type(description="One course in the cart, at the price captured when it was added.")
class CartLine:
    course_id: strawberry.Private[uuid.UUID]
    tier: PricingTierName
    unit_price: Money
    discount: Money = strawberry.field(description="This line's share of the coupon discount.")
    total: Money
    added_at: datetime

    @strawberry.field(description="Null when the course was removed from the catalog.")
    async def course(self, info: Info) -> Course | None:
        return await course_of(info, self.course_id)


@strawberry.type(description="The coupon applied to the cart.")
class AppliedCoupon:
    code: str
    description: str | None
    discount_type: DiscountType
    percent_off: int | None
    amount_off: Money | None

    @classmethod
    def from_model(cls, row: models.Coupon) -> AppliedCoupon:
        return cls(
            code=row.code,
            description=row.description,
            discount_type=DiscountType(row.discount_type),
            percent_off=row.percent_off,
            amount_off=amount_off(row),
        )


@strawberry.type(description="Your cart: one currency, one line per course, at most one coupon.")
class Cart:
    lines: list[CartLine]
    coupon: AppliedCoupon | None = strawberry.field(
        description="The applied coupon, when it still applies."
    )
    coupon_problem: UserError | None = strawberry.field(
        description="Why the applied coupon no longer counts (expired, used up, ...), if so."
    )
    subtotal: Money
    discount: Money
    tax: Money
    total: Money

    @classmethod
    def from_quote(cls, quote: CartQuote) -> Cart:
        totals, cur = quote.totals, quote.totals.currency
        coupon, problem = quote.coupon, quote.coupon_problem
        return cls(
            lines=[
                CartLine(
                    course_id=item.course_id,
                    tier=PricingTierName(item.tier),
                    unit_price=Money.of(item.unit_price_minor, item.currency),
                    discount=Money.of(line.discount_minor, item.currency),
                    total=Money.of(line.total_minor, item.currency),
                    added_at=item.created_at,
                )
                for item, line in zip(quote.items, totals.lines, strict=True)
            ],
            coupon=None if coupon is None else AppliedCoupon.from_model(coupon),
            coupon_problem=None if problem is None else UserError.of(problem),
            subtotal=Money.of(totals.subtotal_minor, cur),
            discount=Money.of(totals.discount_minor, cur),
            tax=Money.of(totals.tax_minor, cur),
            total=Money.of(totals.total_minor, cur),
        )


@strawberry.input
class AddToCartInput(Input):
    course_id: strawberry.ID = node_id("Course")
    tier: PricingTierName


@strawberry.input
class RemoveFromCartInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.input
class ApplyCouponInput(Input):
    code: str = strawberry.field(description="Case-insensitive.")


@strawberry.type
class CartPayload(Payload):
    cart: Cart | None = None
