"""The cart's root fields: cart, addToCart, removeFromCart, applyCoupon, removeCoupon."""

from __future__ import annotations

import strawberry

from app.commerce import cart as service
from schema.commerce.cart import (
    AddToCartInput,
    ApplyCouponInput,
    Cart,
    CartPayload,
    RemoveFromCartInput,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Query:
    @strawberry.field(description="Your cart, priced now (tax per TAX_RATE_BPS).")
    async def cart(self, info: Info) -> Cart | None:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            quote = await service.price_cart(
                session, user_id=actor.id, tax_rate_bps=info.context.settings.tax_rate_bps
            )
        return Cart.from_quote(quote)


@strawberry.type
class Mutation:
    @mutation(
        description="Put a published paid course in your cart in one of its active tiers "
        "(again: changes the tier). COURSE_FREE, TIER_UNAVAILABLE, ALREADY_OWNED, "
        "CURRENCY_MISMATCH."
    )
    async def add_to_cart(self, info: Info, input: AddToCartInput, tx: Tx) -> CartPayload:
        quote = await service.add_to_cart(
            tx.session,
            user_id=tx.actor.id,
            tax_rate_bps=info.context.settings.tax_rate_bps,
            **input.arguments(),
        )
        return CartPayload(cart=Cart.from_quote(quote))

    @mutation(description="Take a course out of your cart (NOT_IN_CART).")
    async def remove_from_cart(self, info: Info, input: RemoveFromCartInput, tx: Tx) -> CartPayload:
        quote = await service.remove_from_cart(
            tx.session,
            user_id=tx.actor.id,
            tax_rate_bps=info.context.settings.tax_rate_bps,
            **input.arguments(),
        )
        return CartPayload(cart=Cart.from_quote(quote))

    @mutation(
        description="Apply a coupon code to your cart (replaces another). COUPON_NOT_FOUND, "
        "COUPON_INACTIVE, COUPON_NOT_STARTED, COUPON_EXPIRED, COUPON_EXHAUSTED, "
        "COUPON_LIMIT_REACHED, CART_EMPTY, COUPON_NOT_APPLICABLE, CURRENCY_MISMATCH, "
        "MIN_ORDER_NOT_MET."
    )
    async def apply_coupon(self, info: Info, input: ApplyCouponInput, tx: Tx) -> CartPayload:
        quote = await service.apply_coupon(
            tx.session,
            user_id=tx.actor.id,
            tax_rate_bps=info.context.settings.tax_rate_bps,
            **input.arguments(),
        )
        return CartPayload(cart=Cart.from_quote(quote))

    @mutation(description="Drop the coupon from your cart.")
    async def remove_coupon(self, info: Info, tx: Tx) -> CartPayload:
        quote = await service.remove_coupon(
            tx.session, user_id=tx.actor.id, tax_rate_bps=info.context.settings.tax_rate_bps
        )
        return CartPayload(cart=Cart.from_quote(quote))
