"""Coupons: the coupon (node, visible to the admins and instructors who manage it) and the
inputs and payload of managing one. Amounts are `Money`; inputs take `MoneyInput`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.commerce import models
from app.commerce.coupon_admin import may_manage
from app.commerce.pricing import DEFAULT_CURRENCY
from schema.catalog.types import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id, update
from schema.core.money import Money, MoneyInput
from schema.core.mutation import Payload
from schema.core.relay import ModelNode, found

strawberry.enum(models.DiscountType, name="DiscountType", description="Percentage or fixed amount.")
DiscountType = models.DiscountType


def amount_off(row: models.Coupon) -> Money | None:
    if row.amount_off_minor is None or row.currency is None:
        return None
    return Money.of(row.amount_off_minor, row.currency)


def min_order(row: models.Coupon) -> Money | None:
    """None without a minimum; a minimum without a currency (set before coupons had one) is
    read in the default currency."""
    if row.min_order_minor == 0:
        return None
    return Money.of(row.min_order_minor, row.currency or DEFAULT_CURRENCY)


@strawberry.type(description="A discount code (visible to admins and the instructors it serves).")
class Coupon(ModelNode):
    id: relay.NodeID[str]
    code: str
    description: str | None
    discount_type: DiscountType
    percent_off: int | None
    amount_off: Money | None = strawberry.field(description="A fixed discount's amount.")
    min_order: Money | None = strawberry.field(
        description="The smallest cart subtotal it applies to (null: any); a coupon with a "
        "minimum or a fixed amount applies only to carts in that currency."
    )
    valid_from: datetime | None
    valid_until: datetime | None
    usage_limit: int | None = strawberry.field(description="Total uses; null = unlimited.")
    per_user_limit: int | None = strawberry.field(description="Uses per user; null = unlimited.")
    used_count: int = strawberry.field(description="Uses reserved by orders or redeemed.")
    is_active: bool
    created_at: datetime
    model: strawberry.Private[models.Coupon]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Coupon | None]:
        return await info.context.loaders.commerce.coupons.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Coupon | None]
    ) -> Sequence[models.Coupon | None]:
        viewer = await viewer_of(info)
        if viewer is None:
            return [None for _ in rows]
        loaders = info.context.loaders
        present = [row for row in rows if row is not None]
        scopes = await loaders.commerce.coupon_courses.load_many([row.id for row in present])
        courses = await loaders.catalog.courses.load_many([c for s in scopes for c in s])
        owner = {c.id: c.instructor_id for c in courses if c is not None}
        allowed = {
            row.id
            for row, scope in zip(present, scopes, strict=True)
            if may_manage(viewer, [owner.get(c) for c in scope])
        }
        return [row if row is not None and row.id in allowed else None for row in rows]

    @classmethod
    def from_model(cls, row: models.Coupon) -> Self:
        return cls(
            id=str(row.id),
            code=row.code,
            description=row.description,
            discount_type=DiscountType(row.discount_type),
            percent_off=row.percent_off,
            amount_off=amount_off(row),
            min_order=min_order(row),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            usage_limit=row.usage_limit,
            per_user_limit=row.per_user_limit,
            used_count=row.used_count,
            is_active=row.is_active,
            created_at=row.created_at,
            model=row,
        )

    @classmethod
    async def by_code(cls, info: Info, code: str) -> Self:
        """The coupon with this code if the viewer manages it, else NOT_FOUND."""
        row = await info.context.loaders.commerce.coupons_by_code.load(code)
        [shown] = await cls.visible(info, [row])
        return cls.from_model(found(shown, "Coupon"))

    @strawberry.field(description="The courses it applies to; empty = every course.")
    async def courses(self, info: Info) -> list[Course]:
        loaders = info.context.loaders
        ids = await loaders.commerce.coupon_courses.load(self.model.id)
        rows = await loaders.catalog.courses.load_many(ids)
        return [Course.from_model(row) for row in rows if row is not None]


@strawberry.input(
    description="A percentage (percentOff 1-100) or a fixed amount (amountOff). courseIds empty "
    "= every course (admins only); instructors list their own courses."
)
class CreateCouponInput(Input):
    code: str = strawberry.field(description="3-64 letters, digits, '-' or '_'; any case.")
    discount_type: DiscountType
    percent_off: int | None = None
    amount_off: MoneyInput | None = strawberry.field(
        default=None, description="A fixed discount: its amount and currency."
    )
    min_order: MoneyInput | None = strawberry.field(
        default=None,
        description="The smallest subtotal it applies to (a fixed coupon's in the currency of "
        "its amount); the coupon then applies only to carts in that currency.",
    )
    description: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = strawberry.field(
        default=1, description="Uses per user (default 1); null = unlimited."
    )
    course_ids: list[strawberry.ID] | None = node_id("Course", default=None)
    is_active: bool = True


@strawberry.input(
    description="Omitted fields keep their value; null clears description, window bounds, "
    "limits, the minimum order and the course list. The kind and amount of the discount "
    "cannot change."
)
class UpdateCouponInput(Input):
    coupon_id: strawberry.ID = node_id("Coupon")
    description: str | None = update()
    valid_from: datetime | None = update()
    valid_until: datetime | None = update()
    usage_limit: int | None = update()
    per_user_limit: int | None = update()
    min_order: MoneyInput | None = update()
    course_ids: list[strawberry.ID] | None = update(node="Course")
    is_active: bool | None = update(nullable=False)


@strawberry.input
class DeactivateCouponInput(Input):
    coupon_id: strawberry.ID = node_id("Coupon")


@strawberry.type
class CouponPayload(Payload):
    coupon: Coupon | None = None
