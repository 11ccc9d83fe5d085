"""Subscriptions: the plans, your subscription (its status follows the payment provider), and
the inputs and payloads of subscribing and cancelling."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.commerce.models import BillingInterval, SubscriptionStatus
from app.commerce.models import Subscription as SubscriptionModel
from app.commerce.models import SubscriptionPlan as PlanModel
from schema.core.context import Info
from schema.core.inputs import Input
from schema.core.money import Money
from schema.core.mutation import Payload

SubscriptionStatusEnum = strawberry.enum(SubscriptionStatus, name="SubscriptionStatus")
BillingIntervalEnum = strawberry.enum(BillingInterval, name="BillingInterval")


@strawberry.type(description="A subscription plan (all access to published paid courses).")
class SubscriptionPlan:
    code: str
    name: str
    description: str | None
    price: Money = strawberry.field(description="What one billing interval costs.")
    interval: BillingIntervalEnum  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, row: PlanModel) -> SubscriptionPlan:
        return cls(
            code=row.code,
            name=row.name,
            description=row.description,
            price=Money.of(row.price_minor, row.currency),
            interval=BillingInterval(row.interval),
        )


@strawberry.type(description="Your subscription; its status follows the payment provider.")
class PlanSubscription:
    id: strawberry.ID
    status: SubscriptionStatusEnum  # type: ignore[valid-type]
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None
    model: strawberry.Private[SubscriptionModel]

    @classmethod
    def from_model(cls, row: SubscriptionModel) -> PlanSubscription:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=SubscriptionStatus(row.status),
            current_period_start=row.current_period_start,
            current_period_end=row.current_period_end,
            cancel_at_period_end=row.cancel_at_period_end,
            canceled_at=row.canceled_at,
            ended_at=row.ended_at,
            model=row,
        )

    @strawberry.field
    async def plan(self, info: Info) -> SubscriptionPlan | None:
        row = await info.context.loaders.commerce.plans.load(self.model.plan_id)
        return SubscriptionPlan.from_model(row) if row is not None else None


@strawberry.input
class SubscribeInput(Input):
    plan_code: str


@strawberry.type
class SubscribePayload(Payload):
    subscription: PlanSubscription | None = None
    client_secret: str | None = strawberry.field(
        default=None, description="Confirms the first payment client-side, when one is due."
    )


@strawberry.input
class CancelSubscriptionInput(Input):
    at_period_end: bool = strawberry.field(
        default=True, description="true: access until the period ends; false: ends now."
    )


@strawberry.type
class CancelSubscriptionPayload(Payload):
    subscription: PlanSubscription | None = None
