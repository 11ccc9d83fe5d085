"""Refund root fields: requestRefund (the buyer) and refundOrder (admins)."""

from __future__ import annotations

import strawberry

from app.commerce import refunds as service
from resolvers.catalog.changes import catalog_changed
from schema.commerce.payments import payment_gateway
from schema.commerce.refunds import RefundOrderInput, RefundPayload, RequestRefundInput
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Mutation:
    @mutation(
        description="Ask for a refund of your order (or one course of it): the amount follows "
        "the refund policy; the refunded course's access ends.",
        after_commit=[catalog_changed],  # enrollment counts on course pages change
    )
    async def request_refund(self, info: Info, input: RequestRefundInput, tx: Tx) -> RefundPayload:
        done = await service.request_refund(
            tx.session,
            payment_gateway(info),
            user_id=tx.actor.id,
            policy=service.policy_of(info.context.settings),
            **input.arguments(),
        )
        return RefundPayload.of(done)

    @mutation(
        description="Admins: refund any amount up to what is left on an order (or one course).",
        after_commit=[catalog_changed],
        privileged=True,
    )
    async def refund_order(self, info: Info, input: RefundOrderInput, tx: Tx) -> RefundPayload:
        done = await service.refund_order(
            tx.session, payment_gateway(info), actor=tx.actor, **input.arguments()
        )
        return RefundPayload.of(done)
