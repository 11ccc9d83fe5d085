"""Subscription root fields: subscriptionPlans, mySubscription, subscribe, cancelSubscription."""

from __future__ import annotations

import strawberry

from app.commerce import subscriptions as service
from resolvers.catalog.changes import catalog_changed
from schema.commerce.payments import payment_gateway, payment_provider
from schema.commerce.subscriptions import (
    CancelSubscriptionInput,
    CancelSubscriptionPayload,
    PlanSubscription,
    SubscribeInput,
    SubscribePayload,
    SubscriptionPlan,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Query:
    @strawberry.field(
        description="Your live subscription, else your most recent one, else null (no error: "
        "having none is normal)."
    )
    async def my_subscription(self, info: Info) -> PlanSubscription | None:
        actor = await require_actor(info)
        row = await info.context.loaders.commerce.subscriptions_of_users.load(actor.id)
        return PlanSubscription.from_model(row) if row is not None else None

    @strawberry.field(description="The plans one can subscribe to.")
    async def subscription_plans(self, info: Info) -> list[SubscriptionPlan]:
        async with info.context.db.session() as session:
            rows = await service.active_plans(session)
        return [SubscriptionPlan.from_model(r) for r in rows]


@strawberry.type
class Mutation:
    @mutation(description="Subscribe to a plan (all access while active).")
    async def subscribe(self, info: Info, input: SubscribeInput, tx: Tx) -> SubscribePayload:
        done = await service.subscribe(
            tx.session,
            payment_gateway(info),
            user_id=tx.actor.id,
            provider=payment_provider(info),
            **input.arguments(),
        )
        return SubscribePayload(
            subscription=PlanSubscription.from_model(done.subscription),
            client_secret=done.client_secret,
        )

    @mutation(
        description="Cancel your subscription, by default at the end of the paid period.",
        after_commit=[catalog_changed],  # ending access now changes enrollment counts
    )
    async def cancel_subscription(
        self, info: Info, input: CancelSubscriptionInput, tx: Tx
    ) -> CancelSubscriptionPayload:
        row = await service.cancel_subscription(
            tx.session, payment_gateway(info), user_id=tx.actor.id, **input.arguments()
        )
        return CancelSubscriptionPayload(subscription=PlanSubscription.from_model(row))
