"""GraphQL types of the payments integration: the development-only confirmTestPayment mutation."""

from __future__ import annotations

import enum
import uuid

import strawberry

from app.integrations.payments import PaymentGateway, make_gateway
from schema.core.context import Info
from schema.core.mutation import UserError
from schema.core.relay import node_or_raw_uuid


@strawberry.enum(description="How the simulated card payment ends.")
class TestPaymentOutcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@strawberry.input(
    description="Settle an order's payment in development (local payments backend only)."
)
class ConfirmTestPaymentInput:
    order_id: strawberry.ID = strawberry.field(description="The order (global id, or its UUID).")
    outcome: TestPaymentOutcome

    def order_uuid(self) -> uuid.UUID:
        return node_or_raw_uuid(str(self.order_id), "Order")


@strawberry.type
class ConfirmTestPaymentPayload:
    errors: list[UserError]
    event_id: str | None = strawberry.field(
        default=None, description="Id of the provider event delivered to the webhook route."
    )
    event_type: str | None = None
    payment_intent_id: str | None = None


def payment_gateway(info: Info) -> PaymentGateway:
    """The process's gateway (app.state.payments), or one built for this request's settings."""
    app = info.context.request.scope.get("app")
    gateway = getattr(getattr(app, "state", None), "payments", None)
    if gateway is not None:
        return gateway  # type: ignore[no-any-return]
    return make_gateway(info.context.settings, redis=info.context.redis)
