"""GraphQL types of refunds, subscriptions and revenue reports.

Amounts are integer minor units (`…Minor`) beside an ISO 4217 currency; reports never add up
different currencies (one row per currency).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from app.commerce import revenue
from app.commerce.models import (
    BillingInterval,
    RefundStatus,
    SubscriptionStatus,
)
from app.commerce.models import Refund as RefundModel
from app.commerce.models import Subscription as SubscriptionModel
from app.commerce.models import (
    SubscriptionPlan as PlanModel,
)
from schema.core.mutation import UserError
from schema.core.relay import BadUserInput, node_uuid

strawberry.enum(
    RefundStatus, name="RefundStatus", description="pending until the provider confirms."
)
strawberry.enum(SubscriptionStatus, name="SubscriptionStatus")
strawberry.enum(BillingInterval, name="BillingInterval")


def _gid(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    if value is None:
        return None
    return strawberry.ID(strawberry.relay.to_base64(type_name, str(value)))


def optional_uuid(value: strawberry.ID | None, type_name: str) -> uuid.UUID | None:
    return None if value is None else node_uuid(str(value), type_name)


@strawberry.type(description="Money given back on an order (one row per refunded course).")
class Refund:
    id: strawberry.ID
    amount_minor: int
    currency: str
    status: RefundStatus
    reason: str | None
    order_id: strawberry.ID | None
    course_id: strawberry.ID | None = strawberry.field(
        description="The refunded course (null for a refund made at the provider on the order)."
    )
    created_at: datetime
    processed_at: datetime | None

    @classmethod
    def from_model(cls, row: RefundModel, course_id: uuid.UUID | None) -> Refund:
        return cls(
            id=strawberry.ID(str(row.id)),
            amount_minor=row.amount_minor,
            currency=row.currency,
            status=row.status,
            reason=row.reason,
            order_id=_gid("Order", row.order_id),
            course_id=_gid("Course", course_id),
            created_at=row.created_at,
            processed_at=row.processed_at,
        )


@strawberry.input(description="Ask for a refund of one course of your order, or of all of it.")
class RequestRefundInput:
    order_id: strawberry.ID
    course_id: strawberry.ID | None = None
    reason: str | None = None


@strawberry.input(
    description="Admins: refund an amount (default: everything left) of an order or one course."
)
class RefundOrderInput:
    order_id: strawberry.ID
    amount_minor: int | None = None
    course_id: strawberry.ID | None = None
    reason: str | None = None


@strawberry.type
class RefundPayload:
    refunds: list[Refund] = strawberry.field(default_factory=list)
    order_status: str | None = strawberry.field(
        default=None, description="The order's status after the refund (lower-case)."
    )
    order_refunded_minor: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A subscription plan (all access to published paid courses).")
class SubscriptionPlan:
    code: str
    name: str
    description: str | None
    price_minor: int
    currency: str
    interval: BillingInterval

    @classmethod
    def from_model(cls, row: PlanModel) -> SubscriptionPlan:
        return cls(
            code=row.code,
            name=row.name,
            description=row.description,
            price_minor=row.price_minor,
            currency=row.currency,
            interval=row.interval,
        )


@strawberry.type(description="Your subscription; its status follows the payment provider.")
class PlanSubscription:
    id: strawberry.ID
    status: SubscriptionStatus
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None
    plan: SubscriptionPlan | None = None

    @classmethod
    def from_model(cls, row: SubscriptionModel, plan: PlanModel | None) -> PlanSubscription:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=row.status,
            current_period_start=row.current_period_start,
            current_period_end=row.current_period_end,
            cancel_at_period_end=row.cancel_at_period_end,
            canceled_at=row.canceled_at,
            ended_at=row.ended_at,
            plan=SubscriptionPlan.from_model(plan) if plan is not None else None,
        )


@strawberry.input
class SubscribeInput:
    plan_code: str


@strawberry.type
class SubscribePayload:
    subscription: PlanSubscription | None = None
    client_secret: str | None = strawberry.field(
        default=None, description="Confirms the first payment client-side, when one is due."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelSubscriptionInput:
    at_period_end: bool = strawberry.field(
        default=True, description="true: access until the period ends; false: ends now."
    )


@strawberry.type
class CancelSubscriptionPayload:
    subscription: PlanSubscription | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="A time range: from (inclusive) to (exclusive).")
class RevenueRange:
    start: datetime = strawberry.field(name="from")
    end: datetime = strawberry.field(name="to")

    def period(self) -> revenue.DateRange:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise BadUserInput("`from` and `to` need a time zone")
        return revenue.DateRange(self.start, self.end)


@strawberry.type(description="One course's revenue in one currency.")
class CourseRevenue:
    course_id: strawberry.ID | None
    title: str
    currency: str
    gross_minor: int
    refunds_minor: int
    net_minor: int

    @classmethod
    def of(cls, row: revenue.CourseRevenue) -> CourseRevenue:
        return cls(
            course_id=_gid("Course", row.course_id),
            title=row.title,
            currency=row.currency,
            gross_minor=row.gross_minor,
            refunds_minor=row.refunds_minor,
            net_minor=row.net_minor,
        )


@strawberry.type(description="Totals of one currency.")
class RevenueTotal:
    currency: str
    gross_minor: int
    refunds_minor: int
    net_minor: int


@strawberry.type(description="Your courses' sales paid and refunds processed within the range.")
class InstructorRevenue:
    courses: list[CourseRevenue]
    totals: list[RevenueTotal]

    @classmethod
    def of(cls, rows: list[revenue.CourseRevenue]) -> InstructorRevenue:
        totals: dict[str, list[int]] = {}
        for row in rows:
            money = totals.setdefault(row.currency, [0, 0])
            money[0] += row.gross_minor
            money[1] += row.refunds_minor
        return cls(
            courses=[CourseRevenue.of(r) for r in rows],
            totals=[
                RevenueTotal(currency=c, gross_minor=g, refunds_minor=r, net_minor=g - r)
                for c, (g, r) in sorted(totals.items())
            ],
        )


@strawberry.type(
    description="One UTC day of sales in one currency (net = gross - discounts - refunds)."
)
class SalesDay:
    day: date
    currency: str
    orders: int
    gross_minor: int
    discount_minor: int
    tax_minor: int
    refunds_minor: int
    net_minor: int

    @classmethod
    def of(cls, row: revenue.DaySales) -> SalesDay:
        return cls(
            day=row.day,
            currency=row.currency,
            orders=row.orders,
            gross_minor=row.gross_minor,
            discount_minor=row.discount_minor,
            tax_minor=row.tax_minor,
            refunds_minor=row.refunds_minor,
            net_minor=row.net_minor,
        )
