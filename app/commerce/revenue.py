"""Revenue: per-course analytics revenue, an instructor's revenue and the admin sales report.

Money counts only orders that were paid (status paid, partially_refunded or refunded). A course's
revenue is what its order items brought in (item totals, after discounts, before tax) minus what
was refunded on them; `course_analytics.revenue_minor` is recomputed from those rows in the
caller's transaction whenever a payment or refund changes them. Reports group by currency (money
in different currencies is never added up) and run a fixed number of statements whatever the
number of courses or orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.analytics.models import CourseAnalytics
from app.catalog.models import Course
from app.commerce.errors import CommerceCode
from app.commerce.models import Order, OrderItem, OrderStatus, Payment, Refund, RefundStatus
from app.errors import Forbidden, Invalid
from app.security.permissions import Actor, Permission, has_permission

PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
MAX_RANGE_DAYS = 366 * 5


@dataclass(frozen=True)
class DateRange:
    start: datetime  # inclusive
    end: datetime  # exclusive

    def check(self) -> DateRange:
        if self.end <= self.start:
            raise Invalid("range", "The end must be after the start", CommerceCode.INVALID_RANGE)
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise Invalid(
                "range", "The range may span at most five years", CommerceCode.RANGE_TOO_LONG
            )
        return self


@dataclass(frozen=True)
class CourseRevenue:
    course_id: uuid.UUID
    title: str
    currency: str
    gross_minor: int
    refunds_minor: int

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.refunds_minor


@dataclass(frozen=True)
class DaySales:
    day: date
    currency: str
    orders: int
    gross_minor: int  # subtotals
    discount_minor: int
    tax_minor: int
    refunds_minor: int

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.discount_minor - self.refunds_minor


async def recompute_course_revenue(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> None:
    """Set course_analytics.revenue_minor = paid item totals - refunded, for these courses."""
    ids = sorted(set(course_ids))
    if not ids:
        return
    rows = (
        await session.execute(
            select(
                OrderItem.course_id,
                func.coalesce(func.sum(OrderItem.total_minor - OrderItem.refunded_minor), 0),
                func.max(Order.currency),
            )
            .join(Order, Order.id == OrderItem.order_id)
            .where(OrderItem.course_id.in_(ids), Order.status.in_(PAID_STATUSES))
            .group_by(OrderItem.course_id)
        )
    ).all()
    found = {r[0]: (int(r[1]), str(r[2])) for r in rows}
    values = []
    for cid in ids:
        revenue, currency = found.get(cid, (0, "USD"))
        values.append({"course_id": cid, "revenue_minor": revenue, "currency": currency})
    stmt = insert(CourseAnalytics).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CourseAnalytics.course_id],
            set_={"revenue_minor": stmt.excluded.revenue_minor, "currency": stmt.excluded.currency},
        )
    )


async def instructor_revenue(
    session: AsyncSession, *, actor: Actor, period: DateRange
) -> list[CourseRevenue]:
    """The caller's own courses (as owner): sales paid and refunds processed within the range."""
    period.check()
    gross = (
        select(
            OrderItem.course_id.label("course_id"),
            Order.currency.label("currency"),
            func.sum(OrderItem.total_minor).label("gross"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .join(Course, Course.id == OrderItem.course_id)
        .where(
            Course.instructor_id == actor.id,
            Order.status.in_(PAID_STATUSES),
            Order.paid_at >= period.start,
            Order.paid_at < period.end,
        )
        .group_by(OrderItem.course_id, Order.currency)
    )
    refunds = (
        select(
            OrderItem.course_id.label("course_id"),
            Refund.currency.label("currency"),
            func.sum(Refund.amount_minor).label("refunds"),
        )
        .join(OrderItem, OrderItem.id == Refund.order_item_id)
        .join(Course, Course.id == OrderItem.course_id)
        .where(
            Course.instructor_id == actor.id,
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.processed_at >= period.start,
            Refund.processed_at < period.end,
        )
        .group_by(OrderItem.course_id, Refund.currency)
    )
    money: dict[tuple[uuid.UUID, str], list[int]] = {}
    for column, statement in ((0, gross), (1, refunds)):
        for cid, currency, amount in (await session.execute(statement)).all():
            if cid is not None:
                money.setdefault((cid, currency), [0, 0])[column] = int(amount)
    titles = await _titles(session, [cid for cid, _ in money])
    return [
        CourseRevenue(cid, titles.get(cid, ""), currency, gross_minor, refunds_minor)
        for (cid, currency), (gross_minor, refunds_minor) in sorted(
            money.items(), key=lambda kv: (titles.get(kv[0][0], ""), str(kv[0][0]), kv[0][1])
        )
    ]


async def _titles(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {c.id: c.title for c in await catalog.courses_by_ids(session, ids) if c is not None}


async def sales_report(session: AsyncSession, *, actor: Actor, period: DateRange) -> list[DaySales]:
    """Admins: per UTC day and currency, paid orders, gross, discounts, tax, refunds and net."""
    if not has_permission(actor, Permission.ANALYTICS_VIEW_PLATFORM):
        raise Forbidden("Only admins can read the sales report")
    period.check()
    paid_day = cast(func.timezone("UTC", Order.paid_at), Date)
    orders = (
        select(
            paid_day,
            Order.currency,
            func.count(),
            func.sum(Order.subtotal_minor),
            func.sum(Order.discount_minor),
            func.sum(Order.tax_minor),
        )
        .where(
            Order.status.in_(PAID_STATUSES),
            Order.paid_at >= period.start,
            Order.paid_at < period.end,
        )
        .group_by(paid_day, Order.currency)
    )
    refund_day = cast(func.timezone("UTC", Refund.processed_at), Date)
    # refunds of what paid an order (a second payment given back was never a sale)
    refunds = (
        select(refund_day, Refund.currency, func.sum(Refund.amount_minor))
        .join(Payment, Payment.id == Refund.payment_id)
        .join(Order, Order.id == Refund.order_id)
        .where(
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.processed_at >= period.start,
            Refund.processed_at < period.end,
            Payment.provider_payment_id == Order.payment_intent_id,
        )
        .group_by(refund_day, Refund.currency)
    )
    days: dict[tuple[date, str], list[int]] = {}
    for day, currency, count, gross, discount, tax in (await session.execute(orders)).all():
        days[(day, currency)] = [int(count), int(gross), int(discount), int(tax), 0]
    for day, currency, amount in (await session.execute(refunds)).all():
        days.setdefault((day, currency), [0, 0, 0, 0, 0])[4] = int(amount)
    return [DaySales(day, currency, *values) for (day, currency), values in sorted(days.items())]
