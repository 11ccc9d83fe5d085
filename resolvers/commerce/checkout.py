"""Root mutation of Stripe Checkout Sessions: createCheckoutSession."""

from __future__ import annotations

from typing import Any

import strawberry

from app.commerce import checkout as service
from app.commerce.models import PaymentProvider
from schema.commerce.checkout import CreateCheckoutSessionInput, CreateCheckoutSessionPayload
from schema.commerce.payments import payment_gateway
from schema.core.auth import require_user
from schema.core.context import Info
from schema.core.mutation import run_mutation


async def _create(info: Info, input: CreateCheckoutSessionInput) -> dict[str, Any]:
    user = await require_user(info)
    ctx = info.context
    async with ctx.db.transaction() as session:
        result = await service.create_checkout_session(
            session,
            payment_gateway(info),
            user_id=user.id,
            order_id=input.order_uuid(),
            frontend_url=ctx.settings.frontend_url,
            provider=PaymentProvider(ctx.settings.payments_backend),
            success_url=input.success_url,
            cancel_url=input.cancel_url,
        )
    return {"session_id": result.session_id, "checkout_url": result.checkout_url}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Pay your unpaid order on the provider's hosted checkout page (an "
        "alternative to confirming `clientSecret`); a replay returns the same session. Someone "
        "else's order is NOT_FOUND; a paid, failed or cancelled one is ORDER_NOT_PAYABLE."
    )
    async def create_checkout_session(
        self, info: Info, input: CreateCheckoutSessionInput
    ) -> CreateCheckoutSessionPayload:
        return await run_mutation(CreateCheckoutSessionPayload, _create(info, input))
