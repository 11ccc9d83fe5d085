"""Coupon root fields: coupon(code), createCoupon, updateCoupon, deactivateCoupon."""

from __future__ import annotations

import strawberry

from app.commerce import coupon_admin as service
from schema.commerce.coupons import (
    Coupon,
    CouponPayload,
    CreateCouponInput,
    DeactivateCouponInput,
    UpdateCouponInput,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Query:
    @strawberry.field(
        description="A coupon by code (any case), for admins and the instructors it serves; "
        "null with NOT_FOUND for anyone else."
    )
    async def coupon(self, info: Info, code: str) -> Coupon | None:
        await require_actor(info)
        return await Coupon.by_code(info, code)


@strawberry.type
class Mutation:
    @mutation(
        description="Create a coupon: admins for any scope, instructors for their own courses. "
        "CODE_TAKEN, INVALID, OUT_OF_RANGE, INVALID_RANGE, CURRENCY_MISMATCH, TOO_PRECISE."
    )
    async def create_coupon(self, info: Info, input: CreateCouponInput, tx: Tx) -> CouponPayload:
        draft = service.CouponDraft(**input.arguments())
        row = await service.create_coupon(tx.session, actor=tx.actor, draft=draft)
        return CouponPayload(coupon=Coupon.from_model(row))

    @mutation(description="Change a coupon you manage.")
    async def update_coupon(self, info: Info, input: UpdateCouponInput, tx: Tx) -> CouponPayload:
        row = await service.update_coupon(tx.session, actor=tx.actor, **input.arguments())
        return CouponPayload(coupon=Coupon.from_model(row))

    @mutation(
        description="Stop a coupon you manage from being applied (uses already reserved stay)."
    )
    async def deactivate_coupon(
        self, info: Info, input: DeactivateCouponInput, tx: Tx
    ) -> CouponPayload:
        row = await service.deactivate_coupon(tx.session, actor=tx.actor, **input.arguments())
        return CouponPayload(coupon=Coupon.from_model(row))
