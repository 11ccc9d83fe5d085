"""Root mutation of the payments integration: confirmTestPayment (development only)."""

from __future__ import annotations

from typing import Any

import strawberry

from app.accounts.models import UserRole
from app.errors import Forbidden
from app.integrations.payments_local import LocalGateway, confirm_test_payment
from schema.commerce.payments import (
    ConfirmTestPaymentInput,
    ConfirmTestPaymentPayload,
    TestPaymentOutcome,
    payment_gateway,
)
from schema.core.auth import require_user
from schema.core.context import Info
from schema.core.mutation import run_mutation


async def _confirm(info: Info, input: ConfirmTestPaymentInput) -> dict[str, Any]:
    user = await require_user(info)
    gateway = payment_gateway(info)
    if not isinstance(gateway, LocalGateway):
        raise Forbidden("Test payments need the local payments backend outside production")
    result = await confirm_test_payment(
        info.context.db,
        info.context.settings,
        gateway,
        order_id=input.order_uuid(),
        user_id=user.id,
        is_admin=user.role == UserRole.ADMIN,
        succeeded=input.outcome == TestPaymentOutcome.SUCCEEDED,
    )
    return {
        "event_id": result.event_id,
        "event_type": result.event_type,
        "payment_intent_id": result.payment_intent_id,
    }


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Development only (PAYMENTS_BACKEND=local, never in production): the order's "
        "payment succeeds or is declined, and the signed provider event is delivered to "
        "POST /webhooks/stripe like a real one."
    )
    async def confirm_test_payment(
        self, info: Info, input: ConfirmTestPaymentInput
    ) -> ConfirmTestPaymentPayload:
        return await run_mutation(ConfirmTestPaymentPayload, _confirm(info, input))
