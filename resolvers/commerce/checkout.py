"""Stripe Checkout Sessions' root field: createCheckoutSession."""

from __future__ import annotations

import strawberry

from app.commerce import checkout as service
from schema.commerce.checkout import CreateCheckoutSessionInput, CreateCheckoutSessionPayload
from schema.commerce.payments import payment_gateway, payment_provider
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Mutation:
    @mutation(
        description="Pay your unpaid order on the provider's hosted checkout page (an "
        "alternative to confirming `clientSecret`); a replay returns the same session. Someone "
        "else's order is NOT_FOUND; a paid, failed or cancelled one is ORDER_NOT_PAYABLE."
    )
    async def create_checkout_session(
        self, info: Info, input: CreateCheckoutSessionInput, tx: Tx
    ) -> CreateCheckoutSessionPayload:
        opened = await service.create_checkout_session(
            tx.session,
            payment_gateway(info),
            user_id=tx.actor.id,
            frontend_url=info.context.settings.frontend_url,
            provider=payment_provider(info),
            **input.arguments(),
        )
        return CreateCheckoutSessionPayload(
            session_id=opened.session_id, checkout_url=opened.checkout_url
        )
