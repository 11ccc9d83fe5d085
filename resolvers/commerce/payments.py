"""The payments integration's root field: confirmTestPayment (development only)."""

from __future__ import annotations

import strawberry

from app.integrations.payments_local import confirm_test_payment
from schema.commerce.payments import (
    ConfirmTestPaymentInput,
    ConfirmTestPaymentPayload,
    TestPaymentOutcome,
    payment_gateway,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import mutation


@strawberry.type
class Mutation:
    @mutation(
        description="Development only (PAYMENTS_BACKEND=local, never in production): the order's "
        "payment succeeds or is declined, and the signed provider event is delivered to "
        "POST /webhooks/stripe like a real one. A refusal of the provider is "
        "PAYMENT_ALREADY_SETTLED, PAYMENT_UNKNOWN or PAYMENT_REFUSED."
    )
    async def confirm_test_payment(
        self, info: Info, input: ConfirmTestPaymentInput
    ) -> ConfirmTestPaymentPayload:
        # no `tx`: the event is stored by the webhook route's own transaction
        done = await confirm_test_payment(
            info.context.db,
            info.context.settings,
            payment_gateway(info),
            actor=await require_actor(info),
            order_id=input.arguments()["order_id"],
            succeeded=input.outcome == TestPaymentOutcome.SUCCEEDED,
        )
        return ConfirmTestPaymentPayload(
            event_id=done.event_id,
            event_type=done.event_type,
            payment_intent_id=done.payment_intent_id,
        )
