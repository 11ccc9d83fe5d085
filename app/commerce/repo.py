"""Reads of the commerce tables that loaders and several services share.

Batch reads take a list of keys and return one value per key, in key order (None, or an empty
list, where nothing matches); each is one statement whatever the number of keys.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from app.commerce.models import (
    Coupon,
    CouponCourse,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionPlan,
    SubscriptionStatus,
)
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, paginate

# a live subscription is being paid for (or about to be); the others have ended
LIVE = (
    SubscriptionStatus.INCOMPLETE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)


def normalise_code(code: str) -> str:
    """Coupon codes ignore case and surrounding blanks (stored upper-case)."""
    return code.strip().upper()


# --- orders ---------------------------------------------------------------------------------


async def orders_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Order | None]:
    rows = (await session.execute(select(Order).where(Order.id.in_(ids)))).scalars()
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def items_by_order_ids(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> list[list[OrderItem]]:
    """Each order's items, in the order they were added."""
    stmt = (
        select(OrderItem)
        .where(OrderItem.order_id.in_(order_ids))
        .order_by(OrderItem.created_at, OrderItem.id)
    )
    grouped: defaultdict[uuid.UUID, list[OrderItem]] = defaultdict(list)
    for item in (await session.execute(stmt)).scalars():
        grouped[item.order_id].append(item)
    return [grouped.get(i, []) for i in order_ids]


async def items_of_order(session: AsyncSession, order_id: uuid.UUID) -> list[OrderItem]:
    [items] = await items_by_order_ids(session, [order_id])
    return items


async def orders_of_user(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[Order]:
    """A user's orders, most recent first."""
    return await paginate(
        session,
        select(Order).where(Order.user_id == user_id),
        order_by=[SortKey(Order.created_at.expression, descending=True)],
        tiebreaker=Order.id.expression,
        request=request,
        with_total=with_total,
    )


async def lock_order(session: AsyncSession, order_id: uuid.UUID) -> Order | None:
    """The order, locked and read afresh."""
    return await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


UNPAID = (OrderStatus.PENDING, OrderStatus.REQUIRES_PAYMENT)


async def unpaid_course_ids(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    course_ids: Sequence[uuid.UUID],
    since: datetime,
) -> set[uuid.UUID]:
    """Those of `course_ids` in one of the user's unpaid orders created at or after `since`."""
    rows = await session.scalars(
        select(OrderItem.course_id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            Order.user_id == user_id,
            Order.status.in_(UNPAID),
            Order.created_at >= since,
            OrderItem.course_id.in_(course_ids),
        )
    )
    return {course_id for course_id in rows if course_id is not None}


async def payment_of(session: AsyncSession, order: Order) -> Payment | None:
    """The payment row of the order's current payment intent (or Checkout Session)."""
    if order.payment_intent_id is None:
        return None
    stmt = select(Payment).where(Payment.provider_payment_id == order.payment_intent_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def held_refunds(
    session: AsyncSession, *, intent_ids: Sequence[str]
) -> list[tuple[Refund, str]]:
    """Refunds of the payments through these intents that the provider was not asked for yet
    (pending, no provider id), oldest first, each with its intent."""
    rows = await session.execute(
        select(Refund, Payment.provider_payment_id)
        .join(Payment, Payment.id == Refund.payment_id)
        .where(
            Payment.provider_payment_id.in_(intent_ids),
            Refund.status == RefundStatus.PENDING,
            Refund.provider_refund_id.is_(None),
        )
        .order_by(Refund.created_at, Refund.id)
    )
    return [(refund, intent_id) for refund, intent_id in rows.all()]


# --- coupons --------------------------------------------------------------------------------


async def coupons_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Coupon | None]:
    found = {c.id: c for c in await rows_with(session, Coupon.id, ids)}
    return [found.get(i) for i in ids]


async def coupons_by_codes(session: AsyncSession, codes: Sequence[str]) -> list[Coupon | None]:
    wanted = [normalise_code(c) for c in codes]
    rows = await session.scalars(select(Coupon).where(Coupon.code.in_(wanted)))
    found = {c.code: c for c in rows}
    return [found.get(c) for c in wanted]


async def coupon_by_code(session: AsyncSession, code: str) -> Coupon | None:
    [found] = await coupons_by_codes(session, [code])
    return found


async def lock_coupon(session: AsyncSession, coupon_id: uuid.UUID) -> Coupon | None:
    """The coupon, locked FOR NO KEY UPDATE (inserting rows that reference it still may) and
    read afresh."""
    return await session.scalar(
        select(Coupon)
        .where(Coupon.id == coupon_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def course_ids_by_coupon_ids(
    session: AsyncSession, coupon_ids: Sequence[uuid.UUID]
) -> list[list[uuid.UUID]]:
    """The courses each coupon is restricted to (empty: every course), in a stable order."""
    rows = await session.execute(
        select(CouponCourse.coupon_id, CouponCourse.course_id)
        .where(CouponCourse.coupon_id.in_(coupon_ids))
        .order_by(CouponCourse.course_id)
    )
    grouped: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for coupon_id, course_id in rows.all():
        grouped[coupon_id].append(course_id)
    return [grouped.get(i, []) for i in coupon_ids]


async def scoped_course_ids(session: AsyncSession, coupon_id: uuid.UUID) -> list[uuid.UUID]:
    [found] = await course_ids_by_coupon_ids(session, [coupon_id])
    return found


# --- subscriptions --------------------------------------------------------------------------


async def plans_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[SubscriptionPlan | None]:
    rows = await rows_with(session, SubscriptionPlan.id, ids)
    found = {p.id: p for p in rows}
    return [found.get(i) for i in ids]


async def active_plans(session: AsyncSession) -> list[SubscriptionPlan]:
    rows = await session.scalars(
        select(SubscriptionPlan)
        .where(SubscriptionPlan.is_active.is_(True))
        .order_by(SubscriptionPlan.code)
    )
    return list(rows)


async def active_plan_by_code(session: AsyncSession, code: str) -> SubscriptionPlan | None:
    return await session.scalar(
        select(SubscriptionPlan).where(
            SubscriptionPlan.code == code.strip(), SubscriptionPlan.is_active.is_(True)
        )
    )


async def live_subscription(session: AsyncSession, *, user_id: uuid.UUID) -> Subscription | None:
    return await session.scalar(
        select(Subscription)
        .where(Subscription.user_id == user_id, Subscription.status.in_(LIVE))
        .order_by(Subscription.created_at.desc())
        .limit(1)
    )


async def lock_lapsed_subscriptions(
    session: AsyncSession, *, ended_before: datetime, limit: int
) -> list[Subscription]:
    """Live subscriptions whose period ended before `ended_before`, oldest first, locked; rows
    another transaction holds are skipped."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.status.in_(LIVE), Subscription.current_period_end < ended_before)
        .order_by(Subscription.current_period_end, Subscription.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def subscriptions_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[Subscription | None]:
    """Each user's live subscription, else their most recent one, else None."""
    live_first = case((Subscription.status.in_(LIVE), 0), else_=1)
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.user_id.in_(user_ids))
        .ext(distinct_on(Subscription.user_id))
        .order_by(Subscription.user_id, live_first, Subscription.created_at.desc())
    )
    found = {s.user_id: s for s in rows}
    return [found.get(i) for i in user_ids]
