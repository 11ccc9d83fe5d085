"""The payments integration in the GraphQL layer: the request's gateway and provider, and the
development-only confirmTestPayment's input and payload."""

from __future__ import annotations

import enum

import strawberry

from app.commerce.models import PaymentProvider
from app.integrations.payments import PaymentGateway, make_gateway
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload


def payment_gateway(info: Info) -> PaymentGateway:
    """The process's gateway (app.state.payments), or one built for this request's settings."""
    app = info.context.request.scope.get("app")
    gateway = getattr(getattr(app, "state", None), "payments", None)
    if gateway is not None:
        return gateway  # type: ignore[no-any-return]
    return make_gateway(info.context.settings, redis=info.context.redis)


def payment_provider(info: Info) -> PaymentProvider:
    """The provider the configured backend stands for (PAYMENTS_BACKEND)."""
    return PaymentProvider(info.context.settings.payments_backend)


@strawberry.enum(description="How the simulated card payment ends.")
class TestPaymentOutcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@strawberry.input(
    description="Settle an order's payment in development (local payments backend only)."
)
class ConfirmTestPaymentInput(Input):
    order_id: strawberry.ID = node_id("Order")
    outcome: TestPaymentOutcome


@strawberry.type
class ConfirmTestPaymentPayload(Payload):
    event_id: str | None = strawberry.field(
        default=None, description="Id of the provider event delivered to the webhook route."
    )
    event_type: str | None = None
    payment_intent_id: str | None = None
