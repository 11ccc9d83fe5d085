"""Coupons at checkout: evaluation, and the reserve → confirm / release life of a redemption.

A use is RESERVED when an order is created (`reserve_coupon`: a `coupon_redemptions` row plus
`coupons.used_count + 1`, decided under a row lock on the coupon so N parallel checkouts for a
coupon with k uses left reserve exactly k), CONFIRMED when its payment succeeds
(`confirm_redemption`: stamps `redeemed_at`) and RELEASED when the payment fails or the order is
canceled (`release_redemption`: deletes the row and gives the use back). Reserved and confirmed
uses both count against the total and per-user limits; whether a row is only reserved shows in
its order's status.

Lock order: the coupon row is locked FOR NO KEY UPDATE, which does not conflict with the KEY SHARE
locks that inserting an order / redemption referencing the coupon takes, so parallel checkouts
queue instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.commerce.errors import CommerceCode
from app.commerce.models import Coupon, CouponRedemption, Order, OrderStatus
from app.commerce.pricing import (
    DiscountTerms,
    PriceLine,
    currency_of,
    discount_for,
    discountable_subtotal,
)
from app.commerce.repo import coupon_by_code, lock_coupon, normalise_code, scoped_course_ids
from app.errors import Conflict, Invalid, NotFound

SETTLED = frozenset({OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED})


@dataclass(frozen=True)
class CouponQuote:
    """A coupon that applies to a set of lines, and what it takes off them."""

    coupon: Coupon
    terms: DiscountTerms
    discount_minor: int


async def terms_of(session: AsyncSession, coupon: Coupon) -> DiscountTerms:
    scope = await scoped_course_ids(session, coupon.id)
    return DiscountTerms(
        percent_off=coupon.percent_off,
        amount_off_minor=coupon.amount_off_minor,
        currency=coupon.currency,
        course_ids=frozenset(scope) if scope else None,
        min_order_minor=coupon.min_order_minor,
    )


async def user_uses(session: AsyncSession, coupon_id: uuid.UUID, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id, CouponRedemption.user_id == user_id)
    )
    return int(count or 0)


def check_window(coupon: Coupon, now: datetime) -> None:
    """COUPON_INACTIVE / COUPON_NOT_STARTED / COUPON_EXPIRED."""
    if not coupon.is_active:
        raise Conflict("code", "This coupon is no longer active", CommerceCode.COUPON_INACTIVE)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise Conflict("code", "This coupon is not valid yet", CommerceCode.COUPON_NOT_STARTED)
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise Conflict("code", "This coupon has expired", CommerceCode.COUPON_EXPIRED)


async def check_limits(session: AsyncSession, coupon: Coupon, user_id: uuid.UUID) -> None:
    """COUPON_EXHAUSTED (total uses) / COUPON_LIMIT_REACHED (this user's uses)."""
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        raise Conflict("code", "This coupon has been used up", CommerceCode.COUPON_EXHAUSTED)
    per_user = coupon.per_user_limit
    if per_user is not None and await user_uses(session, coupon.id, user_id) >= per_user:
        raise Conflict(
            "code", "You have already used this coupon", CommerceCode.COUPON_LIMIT_REACHED
        )


def check_applies(lines: Sequence[PriceLine], terms: DiscountTerms) -> None:
    """CART_EMPTY / COUPON_NOT_APPLICABLE / CURRENCY_MISMATCH / MIN_ORDER_NOT_MET."""
    if not lines:
        raise Conflict("code", "Add a course to your cart first", CommerceCode.CART_EMPTY)
    if discountable_subtotal(lines, terms) == 0:
        raise Conflict(
            "code",
            "This coupon does not apply to these courses",
            CommerceCode.COUPON_NOT_APPLICABLE,
        )
    currency = currency_of(lines)
    if terms.currency is not None and terms.currency != currency:
        raise Conflict(
            "code", "This coupon is for another currency", CommerceCode.CURRENCY_MISMATCH
        )
    if sum(line.unit_price_minor for line in lines) < terms.min_order_minor:
        raise Conflict(
            "code", "The order is below this coupon's minimum", CommerceCode.MIN_ORDER_NOT_MET
        )


async def evaluate_coupon(
    session: AsyncSession,
    *,
    code: str,
    user_id: uuid.UUID,
    lines: Sequence[PriceLine],
    now: datetime | None = None,
) -> CouponQuote:
    """The discount `code` gives `user_id` on `lines`, or a Conflict/Invalid (field `code`):
    COUPON_NOT_FOUND, COUPON_INACTIVE, COUPON_NOT_STARTED, COUPON_EXPIRED, COUPON_EXHAUSTED,
    COUPON_LIMIT_REACHED, CART_EMPTY, COUPON_NOT_APPLICABLE, CURRENCY_MISMATCH,
    MIN_ORDER_NOT_MET. Reads only; the use is taken by `reserve_coupon`."""
    coupon = await coupon_by_code(session, code) if normalise_code(code) else None
    if coupon is None:
        raise Invalid("code", "No coupon has this code", CommerceCode.COUPON_NOT_FOUND)
    check_window(coupon, now or utcnow())
    await check_limits(session, coupon, user_id)
    terms = await terms_of(session, coupon)
    check_applies(lines, terms)
    return CouponQuote(coupon, terms, discount_for(lines, terms, currency_of(lines)))


async def _redemption_of(session: AsyncSession, order_id: uuid.UUID) -> CouponRedemption | None:
    return await session.scalar(
        select(CouponRedemption)
        .where(CouponRedemption.order_id == order_id)
        .execution_options(populate_existing=True)
    )


async def _take_use(session: AsyncSession, coupon_id: uuid.UUID, *, forced: bool) -> None:
    within = Coupon.usage_limit.is_(None) | (Coupon.used_count < Coupon.usage_limit)
    value = (
        case((within, Coupon.used_count + 1), else_=Coupon.used_count)
        if forced
        else (Coupon.used_count + 1)
    )
    await session.execute(update(Coupon).where(Coupon.id == coupon_id).values(used_count=value))


async def reserve_coupon(
    session: AsyncSession,
    *,
    coupon_id: uuid.UUID,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    discount_minor: int,
    now: datetime | None = None,
) -> CouponRedemption:
    """Take one use of the coupon for `order_id` (already flushed) in the caller's transaction.
    Idempotent per order. Raises Conflict COUPON_EXHAUSTED / COUPON_LIMIT_REACHED (and
    COUPON_INACTIVE / COUPON_NOT_STARTED / COUPON_EXPIRED when it changed since evaluation);
    the caller rolls its transaction back on any of them."""
    coupon = await lock_coupon(session, coupon_id)
    if coupon is None:
        raise NotFound("Coupon")
    existing = await session.scalar(
        select(CouponRedemption).where(
            CouponRedemption.coupon_id == coupon_id, CouponRedemption.order_id == order_id
        )
    )
    if existing is not None:
        return existing
    check_window(coupon, now or utcnow())
    await check_limits(session, coupon, user_id)
    await _take_use(session, coupon_id, forced=False)
    row = CouponRedemption(
        coupon_id=coupon_id, user_id=user_id, order_id=order_id, discount_minor=discount_minor
    )
    session.add(row)
    await session.flush()
    return row


async def confirm_redemption(
    session: AsyncSession, *, order_id: uuid.UUID
) -> CouponRedemption | None:
    """Mark the order's coupon use as redeemed (payment succeeded). Idempotent. When the use was
    released meanwhile (a failure event processed before the success), it is taken again — even
    past the limit, since the customer paid for it (`used_count` then stays at the limit)."""
    found = await _redemption_of(session, order_id)
    if found is not None:
        found.redeemed_at = utcnow()
        await session.flush()
        return found
    order = await session.get(Order, order_id)
    if order is None or order.coupon_id is None:
        return None
    if await lock_coupon(session, order.coupon_id) is None:
        return None
    await _take_use(session, order.coupon_id, forced=True)
    row = CouponRedemption(
        coupon_id=order.coupon_id,
        user_id=order.user_id,
        order_id=order_id,
        discount_minor=order.discount_minor,
        redeemed_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def release_redemption(session: AsyncSession, *, order_id: uuid.UUID) -> bool:
    """Give back the use the order reserved (payment failed / order canceled). Idempotent: False
    when nothing was reserved. A paid (or refunded) order keeps its use: False, nothing changed."""
    found = await _redemption_of(session, order_id)
    if found is None:
        return False
    status = await session.scalar(select(Order.status).where(Order.id == order_id))
    if status is not None and OrderStatus(status) in SETTLED:
        return False
    await lock_coupon(session, found.coupon_id)
    deleted = await session.execute(
        delete(CouponRedemption)
        .where(CouponRedemption.id == found.id)
        .returning(CouponRedemption.id)
    )
    if deleted.first() is None:
        return False
    await session.execute(
        update(Coupon)
        .where(Coupon.id == found.coupon_id)
        .values(used_count=func.greatest(Coupon.used_count - 1, 0))
    )
    session.expunge(found)
    return True
