"""Root fields of the cart and coupons: read the caller, call one service, map the result."""

from __future__ import annotations

from typing import Any

import strawberry

from app.commerce import cart as cart_service
from app.commerce import coupon_admin
from app.commerce.coupons import scoped_course_ids
from app.commerce.models import Coupon as CouponModel
from app.errors import DomainError
from schema.commerce.cart import (
    AddToCartInput,
    ApplyCouponInput,
    Cart,
    CartPayload,
    Coupon,
    CouponPayload,
    CreateCouponInput,
    DeactivateCouponInput,
    RemoveFromCartInput,
    UpdateCouponInput,
)
from schema.core.auth import require_actor, require_user
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import node_uuid


async def _cart_after(info: Info, change: Any) -> dict[str, Any]:
    """Apply `change(session, user_id)` in one transaction, then return the priced cart."""
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        await change(session, user.id)
        quote = await cart_service.price_cart(
            session, user_id=user.id, tax_rate_bps=info.context.settings.tax_rate_bps
        )
    return {"cart": Cart.from_quote(quote)}


async def _coupon_out(info: Info, row: CouponModel) -> dict[str, Any]:
    async with info.context.db.session() as session:
        course_ids = await scoped_course_ids(session, row.id)
    return {"coupon": Coupon.from_model(row, course_ids)}


async def _create(info: Info, input: CreateCouponInput) -> dict[str, Any]:
    actor = await require_actor(info)
    draft = coupon_admin.CouponDraft(
        code=input.code,
        discount_type=input.discount_type,
        percent_off=input.percent_off,
        amount_off_minor=input.amount_off,
        currency=input.currency,
        description=input.description,
        valid_from=input.valid_from,
        valid_until=input.valid_until,
        usage_limit=input.usage_limit,
        per_user_limit=input.per_user_limit,
        min_order_minor=input.min_order_amount,
        course_ids=[node_uuid(c, "Course") for c in input.course_ids],
        is_active=input.is_active,
    )
    async with info.context.db.transaction() as session:
        row = await coupon_admin.create_coupon(session, actor=actor, draft=draft)
    return await _coupon_out(info, row)


async def _update(info: Info, input: UpdateCouponInput) -> dict[str, Any]:
    actor = await require_actor(info)
    changes = input.changes()
    async with info.context.db.transaction() as session:
        row = await coupon_admin.update_coupon(
            session, actor=actor, coupon_id=node_uuid(input.id, "Coupon"), changes=changes
        )
    return await _coupon_out(info, row)


async def _deactivate(info: Info, input: DeactivateCouponInput) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await coupon_admin.deactivate_coupon(
            session, actor=actor, coupon_id=node_uuid(input.id, "Coupon")
        )
    return await _coupon_out(info, row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Put a published paid course in your cart in one of its active tiers "
        "(again: changes the tier). COURSE_FREE, TIER_UNAVAILABLE, ALREADY_OWNED, "
        "CURRENCY_MISMATCH."
    )
    async def add_to_cart(self, info: Info, input: AddToCartInput) -> CartPayload:
        course_id = node_uuid(input.course_id, "Course")
        return await run_mutation(
            CartPayload,
            _cart_after(
                info,
                lambda s, uid: cart_service.add_to_cart(
                    s, user_id=uid, course_id=course_id, tier=input.tier
                ),
            ),
        )

    @strawberry.mutation(description="Take a course out of your cart (NOT_IN_CART).")
    async def remove_from_cart(self, info: Info, input: RemoveFromCartInput) -> CartPayload:
        course_id = node_uuid(input.course_id, "Course")
        return await run_mutation(
            CartPayload,
            _cart_after(
                info,
                lambda s, uid: cart_service.remove_from_cart(s, user_id=uid, course_id=course_id),
            ),
        )

    @strawberry.mutation(
        description="Apply a coupon code to your cart (replaces another). COUPON_NOT_FOUND, "
        "COUPON_INACTIVE, COUPON_NOT_STARTED, COUPON_EXPIRED, COUPON_EXHAUSTED, "
        "COUPON_LIMIT_REACHED, CART_EMPTY, COUPON_NOT_APPLICABLE, CURRENCY_MISMATCH, "
        "MIN_ORDER_NOT_MET."
    )
    async def apply_coupon(self, info: Info, input: ApplyCouponInput) -> CartPayload:
        return await run_mutation(
            CartPayload,
            _cart_after(
                info, lambda s, uid: cart_service.apply_coupon(s, user_id=uid, code=input.code)
            ),
        )

    @strawberry.mutation(description="Drop the coupon from your cart.")
    async def remove_coupon(self, info: Info) -> CartPayload:
        return await run_mutation(
            CartPayload,
            _cart_after(info, lambda s, uid: cart_service.remove_coupon(s, user_id=uid)),
        )

    @strawberry.mutation(
        description="Create a coupon: admins for any scope, instructors for their own courses. "
        "CODE_TAKEN, INVALID_CODE, OUT_OF_RANGE, INVALID_WINDOW."
    )
    async def create_coupon(self, info: Info, input: CreateCouponInput) -> CouponPayload:
        return await run_mutation(CouponPayload, _create(info, input))

    @strawberry.mutation(description="Change a coupon you manage.")
    async def update_coupon(self, info: Info, input: UpdateCouponInput) -> CouponPayload:
        return await run_mutation(CouponPayload, _update(info, input))

    @strawberry.mutation(
        description="Stop a coupon you manage from being applied (uses already reserved stay)."
    )
    async def deactivate_coupon(self, info: Info, input: DeactivateCouponInput) -> CouponPayload:
        return await run_mutation(CouponPayload, _deactivate(info, input))


@strawberry.type
class Query:
    @strawberry.field(description="Your cart, priced now (tax per TAX_RATE_BPS).")
    async def cart(self, info: Info) -> Cart:
        user = await require_user(info)
        async with info.context.db.transaction() as session:
            quote = await cart_service.price_cart(
                session, user_id=user.id, tax_rate_bps=info.context.settings.tax_rate_bps
            )
        return Cart.from_quote(quote)

    @strawberry.field(description="A coupon by code, for admins and the instructors it serves.")
    async def coupon(self, info: Info, code: str) -> Coupon:
        actor = await require_actor(info)
        try:
            async with info.context.db.session() as session:
                row = await coupon_admin.get_coupon(session, actor=actor, code=code)
                course_ids = await scoped_course_ids(session, row.id)
        except DomainError as exc:
            raise graphql_error(exc) from exc
        return Coupon.from_model(row, course_ids)
