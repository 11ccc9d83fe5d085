"""Types of the cart and coupons. Money is integer minor units plus an ISO currency (`Money`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from app.commerce import models
from app.commerce.cart import CartQuote
from app.errors import Invalid
from schema.catalog.inputs import global_id
from schema.catalog.types import Course, PricingTierName
from schema.core.context import Info
from schema.core.money import Money
from schema.core.mutation import UserError
from schema.core.relay import node_uuid

strawberry.enum(models.DiscountType, name="DiscountType", description="Percentage or fixed amount.")
DiscountType = models.DiscountType


async def _course(info: Info, course_id: uuid.UUID) -> Course | None:
    row = await info.context.loaders.catalog.courses.load(course_id)
    return Course.from_model(row) if row is not None else None


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
        return await _course(info, self.course_id)


@strawberry.type(description="The coupon applied to the cart.")
class AppliedCoupon:
    code: str
    description: str | None
    discount_type: DiscountType
    percent_off: int | None
    amount_off: Money | None


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
            coupon=None if coupon is None else _applied(coupon),
            coupon_problem=None if problem is None else UserError.from_field_error(problem),
            subtotal=Money.of(totals.subtotal_minor, cur),
            discount=Money.of(totals.discount_minor, cur),
            tax=Money.of(totals.tax_minor, cur),
            total=Money.of(totals.total_minor, cur),
        )


def _amount_off(row: models.Coupon) -> Money | None:
    if row.amount_off_minor is None or row.currency is None:
        return None
    return Money.of(row.amount_off_minor, row.currency)


def _applied(row: models.Coupon) -> AppliedCoupon:
    return AppliedCoupon(
        code=row.code,
        description=row.description,
        discount_type=DiscountType(row.discount_type),
        percent_off=row.percent_off,
        amount_off=_amount_off(row),
    )


@strawberry.type(description="A discount code (visible to admins and the instructors it serves).")
class Coupon:
    id: strawberry.ID
    code: str
    description: str | None
    discount_type: DiscountType
    percent_off: int | None
    amount_off: Money | None
    valid_from: datetime | None
    valid_until: datetime | None
    usage_limit: int | None = strawberry.field(description="Total uses; null = unlimited.")
    per_user_limit: int | None = strawberry.field(description="Uses per user; null = unlimited.")
    used_count: int = strawberry.field(description="Uses reserved by orders or redeemed.")
    min_order_amount: int = strawberry.field(description="Minimum subtotal in minor units.")
    is_active: bool
    created_at: datetime
    course_ids: strawberry.Private[list[uuid.UUID]]

    @strawberry.field(description="The courses it applies to; empty = every course.")
    async def courses(self, info: Info) -> list[Course]:
        found = [await _course(info, course_id) for course_id in self.course_ids]
        return [c for c in found if c is not None]

    @classmethod
    def from_model(cls, row: models.Coupon, course_ids: list[uuid.UUID]) -> Coupon:
        return cls(
            id=global_id("Coupon", row.id),
            code=row.code,
            description=row.description,
            discount_type=DiscountType(row.discount_type),
            percent_off=row.percent_off,
            amount_off=_amount_off(row),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            usage_limit=row.usage_limit,
            per_user_limit=row.per_user_limit,
            used_count=row.used_count,
            min_order_amount=row.min_order_minor,
            is_active=row.is_active,
            created_at=row.created_at,
            course_ids=course_ids,
        )


# --- inputs and payloads ---------------------------------------------------------------------


@strawberry.input
class AddToCartInput:
    course_id: strawberry.ID
    tier: PricingTierName


@strawberry.input
class RemoveFromCartInput:
    course_id: strawberry.ID


@strawberry.input
class ApplyCouponInput:
    code: str = strawberry.field(description="Case-insensitive.")


@strawberry.type
class CartPayload:
    cart: Cart | None = None
    errors: list[UserError]


@strawberry.input(
    description="Percentage (percentOff 1-100) or fixed (amountOff minor units + currency). "
    "courseIds empty = every course (admins only); instructors list their own courses."
)
class CreateCouponInput:
    code: str
    discount_type: DiscountType
    percent_off: int | None = None
    amount_off: int | None = None
    currency: str | None = None
    description: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = strawberry.field(
        default=1, description="Uses per user (default 1); null = unlimited."
    )
    min_order_amount: int = 0
    course_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    is_active: bool = True


@strawberry.input(
    description="Omitted fields keep their value; null clears description, window bounds and "
    "limits. The kind and amount of the discount cannot change."
)
class UpdateCouponInput:
    id: strawberry.ID
    description: str | None = strawberry.UNSET
    valid_from: datetime | None = strawberry.UNSET
    valid_until: datetime | None = strawberry.UNSET
    usage_limit: int | None = strawberry.UNSET
    per_user_limit: int | None = strawberry.UNSET
    min_order_amount: int | None = strawberry.UNSET
    course_ids: list[strawberry.ID] | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        """The service's `changes`; a null where no null is allowed raises REQUIRED."""
        names = {
            "description": "description",
            "valid_from": "valid_from",
            "valid_until": "valid_until",
            "usage_limit": "usage_limit",
            "per_user_limit": "per_user_limit",
            "min_order_amount": "min_order_minor",
            "is_active": "is_active",
        }
        out: dict[str, Any] = {}
        for field, target in names.items():
            value = getattr(self, field)
            if value is strawberry.UNSET:
                continue
            if value is None and field in ("min_order_amount", "is_active"):
                camel = "minOrderAmount" if field == "min_order_amount" else "isActive"
                raise Invalid(camel, "Cannot be null", "REQUIRED")
            out[target] = value
        if self.course_ids is not strawberry.UNSET:
            out["course_ids"] = [node_uuid(c, "Course") for c in self.course_ids or []]
        return out


@strawberry.input
class DeactivateCouponInput:
    id: strawberry.ID


@strawberry.type
class CouponPayload:
    coupon: Coupon | None = None
    errors: list[UserError]
