"""Refund, subscription and revenue root fields: requestRefund, refundOrder (admins), subscribe,
cancelSubscription, mySubscription, subscriptionPlans, instructorRevenue, salesReport (admins)."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from app.commerce import refunds, revenue, subscriptions
from app.commerce.models import PaymentProvider
from app.commerce.models import Subscription as SubscriptionModel
from app.commerce.models import SubscriptionPlan as PlanModel
from app.errors import DomainError
from schema.commerce.admin import (
    CancelSubscriptionInput,
    CancelSubscriptionPayload,
    InstructorRevenue,
    PlanSubscription,
    Refund,
    RefundOrderInput,
    RefundPayload,
    RequestRefundInput,
    RevenueRange,
    SalesDay,
    SubscribeInput,
    SubscribePayload,
    SubscriptionPlan,
    optional_uuid,
)
from schema.commerce.payments import payment_gateway
from schema.core.auth import require_actor, require_user
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import node_uuid


async def _refund_result(session: Any, rows: list[Any]) -> dict[str, Any]:
    courses = await refunds.refunded_courses(session, rows)
    order = await refunds.order_after(session, rows[0].order_id)
    return {
        "refunds": [Refund.from_model(r, c) for r, c in zip(rows, courses, strict=True)],
        "order_status": order.status.value,
        "order_refunded_minor": order.refunded_minor,
    }


async def _request_refund(info: Info, input: RequestRefundInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        rows = await refunds.request_refund(
            session,
            payment_gateway(info),
            user_id=user.id,
            order_id=node_uuid(str(input.order_id), "Order"),
            course_id=optional_uuid(input.course_id, "Course"),
            reason=input.reason,
            policy=refunds.policy_of(info.context.settings),
        )
        return await _refund_result(session, rows)


async def _refund_order(info: Info, input: RefundOrderInput) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        rows = await refunds.refund_order(
            session,
            payment_gateway(info),
            actor=actor,
            order_id=node_uuid(str(input.order_id), "Order"),
            amount_minor=input.amount_minor,
            course_id=optional_uuid(input.course_id, "Course"),
            reason=input.reason,
        )
        return await _refund_result(session, rows)


async def _with_plan(session: Any, row: SubscriptionModel) -> PlanSubscription:
    plan = await session.get(PlanModel, row.plan_id)
    return PlanSubscription.from_model(row, plan)


async def _subscribe(info: Info, input: SubscribeInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        done = await subscriptions.subscribe(
            session,
            payment_gateway(info),
            user_id=user.id,
            plan_code=input.plan_code,
            provider=PaymentProvider(info.context.settings.payments_backend),
        )
        shown = await _with_plan(session, done.subscription)
    return {"subscription": shown, "client_secret": done.client_secret}


async def _cancel(info: Info, input: CancelSubscriptionInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        row = await subscriptions.cancel_subscription(
            session, payment_gateway(info), user_id=user.id, at_period_end=input.at_period_end
        )
        shown = await _with_plan(session, row)
    return {"subscription": shown}


@strawberry.type
class Query:
    @strawberry.field(description="Your live subscription, else your most recent one, else null.")
    async def my_subscription(self, info: Info) -> PlanSubscription | None:
        user = await require_user(info)
        async with info.context.db.session() as session:
            row = await subscriptions.my_subscription(session, user_id=user.id)
            return None if row is None else await _with_plan(session, row)

    @strawberry.field(description="The plans one can subscribe to.")
    async def subscription_plans(self, info: Info) -> list[SubscriptionPlan]:
        async with info.context.db.session() as session:
            rows = await session.scalars(
                select(PlanModel).where(PlanModel.is_active.is_(True)).order_by(PlanModel.code)
            )
            return [SubscriptionPlan.from_model(r) for r in rows]

    @strawberry.field(
        description="Your own courses' revenue: sales paid and refunds processed in the range, "
        "per course and currency, with totals per currency."
    )
    async def instructor_revenue(self, info: Info, range: RevenueRange) -> InstructorRevenue:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            try:
                rows = await revenue.instructor_revenue(session, actor=actor, period=range.period())
            except DomainError as exc:
                raise graphql_error(exc) from exc
        return InstructorRevenue.of(rows)

    @strawberry.field(
        description="Admins: paid orders, gross, discounts, tax, refunds and net per UTC day "
        "and currency."
    )
    async def sales_report(self, info: Info, range: RevenueRange) -> list[SalesDay]:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            try:
                rows = await revenue.sales_report(session, actor=actor, period=range.period())
            except DomainError as exc:
                raise graphql_error(exc) from exc
        return [SalesDay.of(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Ask for a refund of your order (or one course of it): the amount follows "
        "the refund policy; the refunded course's access ends."
    )
    async def request_refund(self, info: Info, input: RequestRefundInput) -> RefundPayload:
        return await run_mutation(RefundPayload, _request_refund(info, input))

    @strawberry.mutation(
        description="Admins: refund any amount up to what is left on an order (or one course)."
    )
    async def refund_order(self, info: Info, input: RefundOrderInput) -> RefundPayload:
        return await run_mutation(RefundPayload, _refund_order(info, input))

    @strawberry.mutation(description="Subscribe to a plan (all access while active).")
    async def subscribe(self, info: Info, input: SubscribeInput) -> SubscribePayload:
        return await run_mutation(SubscribePayload, _subscribe(info, input))

    @strawberry.mutation(
        description="Cancel your subscription, by default at the end of the paid period."
    )
    async def cancel_subscription(
        self, info: Info, input: CancelSubscriptionInput
    ) -> CancelSubscriptionPayload:
        return await run_mutation(CancelSubscriptionPayload, _cancel(info, input))
