"""Stripe Checkout Sessions: createCheckoutSession's input and payload."""

from __future__ import annotations

import strawberry

from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload


@strawberry.input(description="Pay an order on the provider's hosted checkout page.")
class CreateCheckoutSessionInput(Input):
    order_id: strawberry.ID = node_id("Order", description="Your unpaid order.")
    success_url: str | None = strawberry.field(
        default=None,
        description="Where the buyer lands after paying (on FRONTEND_URL's origin; default "
        "FRONTEND_URL/checkout/success?order=<id>). Another origin is INVALID_REDIRECT.",
    )
    cancel_url: str | None = strawberry.field(
        default=None,
        description="Where the buyer lands after cancelling (on FRONTEND_URL's origin; default "
        "FRONTEND_URL/checkout/cancel?order=<id>). Another origin is INVALID_REDIRECT.",
    )


@strawberry.type
class CreateCheckoutSessionPayload(Payload):
    session_id: str | None = strawberry.field(
        default=None, description="The provider's Checkout Session id."
    )
    checkout_url: str | None = strawberry.field(
        default=None, description="The hosted payment page to send the buyer to."
    )
