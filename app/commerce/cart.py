"""The shopping cart: one per user, one line per course with the price captured when added, at
most one applied coupon. Totals come from app.commerce.pricing.

Every change returns the cart priced after it (`CartQuote`). `price_cart(..., strict=True)` is
what checkout uses: an applied coupon that no longer applies raises its error instead of silently
pricing without it.

A course the buyer owns (ALREADY_OWNED) or has in an unpaid order younger than
ORDER_PENDING_MINUTES (ORDER_PENDING) can be neither added nor checked out. Every change of a
cart and every checkout takes the cart's row lock first, so these checks see the orders a
concurrent checkout committed, and cart changes never deadlock with a checkout.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.catalog.models import CoursePricingTier, CourseStatus, PricingTier
from app.clock import utcnow
from app.commerce import repo
from app.commerce.coupons import CouponQuote, evaluate_coupon
from app.commerce.errors import CommerceCode
from app.commerce.models import Cart, CartItem, Coupon
from app.commerce.pricing import PriceLine, Totals, price_lines
from app.errors import Conflict, FieldError, Invalid, NotFound, UserFacingError
from app.ids import new_id
from app.learning.service import get_active_enrollment
from app.settings import get_settings


@dataclass(frozen=True)
class CartQuote:
    """A cart (None: never used), its lines (oldest first), the coupon that applies (if any)
    and the totals."""

    cart: Cart | None
    items: list[CartItem]
    coupon: Coupon | None
    totals: Totals
    coupon_problem: FieldError | None = None  # the applied coupon no longer applies


def lines_of(items: list[CartItem]) -> list[PriceLine]:
    return [PriceLine(i.course_id, i.unit_price_minor, i.currency) for i in items]


async def get_or_create_cart(session: AsyncSession, *, user_id: uuid.UUID) -> Cart:
    """The user's cart, created if need be and locked: every change of a cart, and checkout,
    takes its row first, so they run one after the other (and never deadlock on its lines)."""
    await session.execute(
        insert(Cart)
        .values(id=new_id(), user_id=user_id)
        .on_conflict_do_nothing(index_elements=[Cart.user_id])
    )
    cart = await session.scalar(
        select(Cart)
        .where(Cart.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert cart is not None
    return cart


async def items_of(session: AsyncSession, cart_id: uuid.UUID) -> list[CartItem]:
    rows = await session.scalars(
        select(CartItem)
        .where(CartItem.cart_id == cart_id)
        .order_by(CartItem.created_at, CartItem.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _purchasable_tier(
    session: AsyncSession, course_id: uuid.UUID, tier: PricingTier
) -> CoursePricingTier:
    course = await catalog.get_course(session, course_id)
    if course is None or course.status != CourseStatus.PUBLISHED:
        raise NotFound("Course")
    if course.is_free:
        raise Conflict("course_id", "This course is free: enroll instead", CommerceCode.COURSE_FREE)
    [tiers] = await catalog.tiers_by_course_ids(session, [course_id])
    row = next((t for t in tiers if t.tier == tier and t.is_active), None)
    if row is None:
        raise Invalid("tier", "This course is not sold in that tier", CommerceCode.TIER_UNAVAILABLE)
    return row


async def add_to_cart(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    course_id: uuid.UUID,
    tier: PricingTier,
    tax_rate_bps: int | None = None,
) -> CartQuote:
    """Add a published paid course in an active tier (adding it again changes the tier and
    re-captures the price). NOT_FOUND, COURSE_FREE, TIER_UNAVAILABLE, ALREADY_OWNED,
    CURRENCY_MISMATCH."""
    price = await _purchasable_tier(session, course_id, tier)
    cart = await get_or_create_cart(session, user_id=user_id)
    if await get_active_enrollment(session, student_id=user_id, course_id=course_id):
        raise Conflict("course_id", "You already own this course", CommerceCode.ALREADY_OWNED)
    if await pending_course_ids(session, user_id=user_id, course_ids=[course_id]):
        raise Conflict("course_id", _PENDING_MESSAGE, CommerceCode.ORDER_PENDING)
    others = [i for i in await items_of(session, cart.id) if i.course_id != course_id]
    if any(i.currency != price.currency for i in others):
        raise Conflict(
            "course_id",
            "Your cart holds courses priced in another currency",
            CommerceCode.CURRENCY_MISMATCH,
        )
    values = {"unit_price_minor": price.price_minor, "currency": price.currency, "tier": tier}
    await session.execute(
        insert(CartItem)
        .values(id=new_id(), cart_id=cart.id, course_id=course_id, **values)
        .on_conflict_do_update(index_elements=[CartItem.cart_id, CartItem.course_id], set_=values)
    )
    await _touch(session, cart)
    return await price_cart(session, user_id=user_id, tax_rate_bps=tax_rate_bps)


async def remove_from_cart(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    course_id: uuid.UUID,
    tax_rate_bps: int | None = None,
) -> CartQuote:
    """Remove the course's line (NOT_IN_CART when there is none)."""
    cart = await get_or_create_cart(session, user_id=user_id)
    result = await session.execute(
        delete(CartItem)
        .where(CartItem.cart_id == cart.id, CartItem.course_id == course_id)
        .returning(CartItem.id)
    )
    if result.first() is None:
        raise Conflict("course_id", "This course is not in your cart", CommerceCode.NOT_IN_CART)
    await _touch(session, cart)
    return await price_cart(session, user_id=user_id, tax_rate_bps=tax_rate_bps)


async def apply_coupon(
    session: AsyncSession, *, user_id: uuid.UUID, code: str, tax_rate_bps: int | None = None
) -> CartQuote:
    """Apply the coupon to the cart (replacing another); its evaluation errors otherwise."""
    cart = await get_or_create_cart(session, user_id=user_id)
    items = await items_of(session, cart.id)
    quote = await evaluate_coupon(session, code=code, user_id=user_id, lines=lines_of(items))
    cart.coupon_id = quote.coupon.id
    await _touch(session, cart)
    return await price_cart(session, user_id=user_id, tax_rate_bps=tax_rate_bps)


async def remove_coupon(
    session: AsyncSession, *, user_id: uuid.UUID, tax_rate_bps: int | None = None
) -> CartQuote:
    cart = await get_or_create_cart(session, user_id=user_id)
    cart.coupon_id = None
    await _touch(session, cart)
    return await price_cart(session, user_id=user_id, tax_rate_bps=tax_rate_bps)


_PENDING_MESSAGE = "You have an unpaid order for this course: pay it or wait until it expires"


async def pending_course_ids(
    session: AsyncSession, *, user_id: uuid.UUID, course_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `course_ids` in one of the user's unpaid orders younger than
    ORDER_PENDING_MINUTES."""
    since = utcnow() - timedelta(minutes=get_settings().order_pending_minutes)
    return await repo.unpaid_course_ids(
        session, user_id=user_id, course_ids=course_ids, since=since
    )


async def has_items(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(CartItem.id)
        .join(Cart, Cart.id == CartItem.cart_id)
        .where(Cart.user_id == user_id)
        .limit(1)
    )
    return found is not None


async def clear_cart(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Empty the cart and drop its coupon (after checkout)."""
    cart = await session.scalar(select(Cart).where(Cart.user_id == user_id))
    if cart is None:
        return
    await session.execute(delete(CartItem).where(CartItem.cart_id == cart.id))
    cart.coupon_id = None
    await _touch(session, cart)


async def _touch(session: AsyncSession, cart: Cart) -> None:
    """Write pending changes and bump the cart's `updated_at`."""
    await session.flush()
    await session.execute(update(Cart).where(Cart.id == cart.id).values(updated_at=func.now()))


async def _applied(
    session: AsyncSession,
    cart: Cart | None,
    user_id: uuid.UUID,
    items: list[CartItem],
    strict: bool,
) -> tuple[CouponQuote | None, FieldError | None]:
    if cart is None or cart.coupon_id is None:
        return None, None
    coupon = await session.get(Coupon, cart.coupon_id)
    if coupon is None:
        return None, None
    try:
        return (
            await evaluate_coupon(
                session, code=coupon.code, user_id=user_id, lines=lines_of(items)
            ),
            None,
        )
    except UserFacingError as exc:
        if strict:
            raise
        return None, exc.errors[0]


async def price_cart(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    tax_rate_bps: int | None = None,
    strict: bool = False,
) -> CartQuote:
    """The user's cart with its totals (tax rate: the setting unless given); reads only. The
    applied coupon is re-evaluated: when it no longer applies the totals leave it out and
    `coupon_problem` says why (or, `strict`, it raises)."""
    rate = get_settings().tax_rate_bps if tax_rate_bps is None else tax_rate_bps
    cart = await session.scalar(
        select(Cart).where(Cart.user_id == user_id).execution_options(populate_existing=True)
    )
    items = await items_of(session, cart.id) if cart is not None else []
    quote, problem = await _applied(session, cart, user_id, items, strict)
    totals = price_lines(
        lines_of(items),
        terms=quote.terms if quote else None,
        tax_rate_bps=rate,
    )
    return CartQuote(cart, items, quote.coupon if quote else None, totals, problem)


@dataclass(frozen=True)
class CheckoutLine:
    course_id: uuid.UUID
    title: str
    tier: PricingTier
    unit_price_minor: int
    currency: str


@dataclass(frozen=True)
class CheckoutSnapshot:
    """What an order copies: lines (cart order, aligned with `totals.lines`), totals, coupon."""

    lines: list[CheckoutLine]
    totals: Totals
    coupon_id: uuid.UUID | None


async def checkout_snapshot(
    session: AsyncSession, *, user_id: uuid.UUID, tax_rate_bps: int | None = None
) -> CheckoutSnapshot:
    """The cart as an order would take it (tax rate: the setting unless given). Invalid
    CART_EMPTY; Conflict ALREADY_OWNED / ORDER_PENDING / COURSE_UNAVAILABLE for a line that
    cannot be bought (now); the applied coupon's evaluation error when it no longer applies."""
    try:
        quote = await price_cart(session, user_id=user_id, tax_rate_bps=tax_rate_bps, strict=True)
    except UserFacingError as exc:  # the coupon's errors name no field of a checkout
        exc.errors = [replace(e, field=None) for e in exc.errors]
        raise
    if not quote.items:
        raise Invalid(None, "Your cart is empty", CommerceCode.CART_EMPTY)
    found = await catalog.courses_by_ids(session, [i.course_id for i in quote.items])
    courses = {c.id: c for c in found if c is not None}
    pending = await pending_course_ids(
        session, user_id=user_id, course_ids=[i.course_id for i in quote.items]
    )
    lines = []
    for item in quote.items:
        course = courses.get(item.course_id)
        if course is None or course.status != CourseStatus.PUBLISHED:
            raise Conflict(
                None, "A course in your cart is no longer sold", CommerceCode.COURSE_UNAVAILABLE
            )
        if await get_active_enrollment(session, student_id=user_id, course_id=course.id):
            raise Conflict(None, f"You already own {course.title}", CommerceCode.ALREADY_OWNED)
        if course.id in pending:
            raise Conflict(
                None,
                f"You have an unpaid order for {course.title}: pay it or wait until it expires",
                CommerceCode.ORDER_PENDING,
            )
        lines.append(
            CheckoutLine(
                course.id,
                course.title,
                PricingTier(item.tier),
                item.unit_price_minor,
                item.currency,
            )
        )
    coupon_id = quote.coupon.id if quote.coupon is not None else None
    return CheckoutSnapshot(lines, quote.totals, coupon_id)
