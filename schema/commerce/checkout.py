"""GraphQL types of Stripe Checkout Sessions: createCheckoutSession's input and payload."""

from __future__ import annotations

import uuid

import strawberry

from schema.core.mutation import UserError
from schema.core.relay import node_or_raw_uuid


@strawberry.input(description="Pay an order on the provider's hosted checkout page.")
class CreateCheckoutSessionInput:
    order_id: strawberry.ID = strawberry.field(description="Your order (global id, or its UUID).")
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

    def order_uuid(self) -> uuid.UUID:
        return node_or_raw_uuid(str(self.order_id), "Order")


@strawberry.type
class CreateCheckoutSessionPayload:
    session_id: str | None = strawberry.field(
        default=None, description="The provider's Checkout Session id."
    )
    checkout_url: str | None = strawberry.field(
        default=None, description="The hosted payment page to send the buyer to."
    )
    errors: list[UserError]
