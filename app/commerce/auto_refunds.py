"""Payments that buy nothing are given back, and the buyer is told.

A provider reports a successful payment (app.commerce.orders.settle_payment); two cases buy
nothing:

- the order is paid, but one of its courses was the buyer's already when the payment arrived
  (bought in another order, opened by a subscription) or can no longer be joined: that item is
  refunded in full (`hold_item_refunds`);
- a second payment arrives for an order that is paid already or canceled (an intent confirmed
  in another tab, a hosted checkout completing late): that payment is refunded in full and the
  order stays as it is (`hold_payment_refund`; the payment gets its own row, so one intent is
  held once however many events name it).

Holding writes a PENDING refund row without a provider id, in the event's transaction; nothing
calls the provider there. `issue_held_refunds` (the payment-event worker, right after the event)
then asks the provider for each held refund outside any transaction, keyed `refund:<refund id>`
so that a retry never refunds twice, and records the answers in one short transaction per
order: a succeeded refund of an item takes effect as every refund does (app.commerce.refunds:
amounts, statuses, revenue, an in-app notification; access the order did not grant is never
revoked), a refunded second payment only marks that payment REFUNDED, and the buyer gets one
`purchase_refunded` e-mail listing what comes back. A provider failure a retry may cure is
raised (the worker retries); any other marks the refund FAILED and is logged.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import get_user
from app.clock import utcnow
from app.commerce import refunds
from app.commerce.invoices import format_money, order_url
from app.commerce.models import (
    Order,
    OrderItem,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from app.commerce.repo import held_refunds, lock_order, payment_of
from app.db import Database
from app.integrations.payments import PaymentProviderError
from app.notifications.service import queue_email
from app.settings import Settings

TEMPLATE = "purchase_refunded"
ITEM_REASON = "Refunded automatically: you already had this course, or it could not be opened"
PAYMENT_REASON = "Refunded automatically: the order was paid already"

log = structlog.get_logger(__name__)


async def hold_item_refunds(
    session: AsyncSession, order: Order, items: Sequence[OrderItem]
) -> list[Refund]:
    """A held refund of each of these items of a just-paid order (what it cost)."""
    costly = [item for item in items if item.total_minor > 0]
    if not costly:
        return []
    payment = await payment_of(session, order)
    if payment is None:
        log.error("refund_not_held", order_id=str(order.id), reason="no payment row")
        return []
    held = [
        Refund(
            payment_id=payment.id,
            order_id=order.id,
            order_item_id=item.id,
            amount_minor=item.total_minor,
            currency=order.currency,
            reason=ITEM_REASON,
            status=RefundStatus.PENDING,
        )
        for item in costly
    ]
    session.add_all(held)
    await session.flush()
    log.warning(
        "refund_held",
        order_id=str(order.id),
        course_ids=[str(item.course_id) for item in costly],
        reason="not_opened",
    )
    return held


async def hold_payment_refund(
    session: AsyncSession,
    order: Order,
    *,
    intent_id: str,
    amount_minor: int,
    currency: str,
    provider: PaymentProvider,
) -> Refund | None:
    """A held refund of a second payment (through `intent_id`) for `order`; once per intent."""
    known = await session.scalar(select(Payment.id).where(Payment.provider_payment_id == intent_id))
    if known is not None:
        return None
    if amount_minor <= 0:
        log.error(
            "refund_not_held", order_id=str(order.id), intent_id=intent_id, amount=amount_minor
        )
        return None
    payment = Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider=provider,
        provider_payment_id=intent_id,
        amount_minor=amount_minor,
        currency=currency,
        status=PaymentStatus.SUCCEEDED,
        succeeded_at=utcnow(),
        metadata_={"second_payment": True},
    )
    session.add(payment)
    await session.flush()
    refund = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount_minor=amount_minor,
        currency=currency,
        reason=PAYMENT_REASON,
        status=RefundStatus.PENDING,
    )
    session.add(refund)
    await session.flush()
    log.warning("refund_held", order_id=str(order.id), intent_id=intent_id, reason="paid_twice")
    return refund


@dataclass(frozen=True)
class _Answer:
    refund_id: uuid.UUID
    provider_refund_id: str | None
    status: str  # the provider's: succeeded | pending | failed | canceled
    failure: str | None = None


async def issue_held_refunds(
    db: Database,
    gateway: refunds.RefundGateway,
    settings: Settings,
    *,
    intent_ids: Sequence[str],
) -> int:
    """Ask the provider for the held refunds of the payments through these intents and record
    its answers (see the module docstring); the number of refunds issued."""
    async with db.session() as session:
        held = await held_refunds(session, intent_ids=intent_ids)
    by_order: defaultdict[uuid.UUID, list[_Answer]] = defaultdict(list)
    for refund, intent_id in held:
        by_order[refund.order_id].append(await _ask(gateway, refund, intent_id))
    issued = 0
    for order_id, answers in by_order.items():
        async with db.transaction() as session:
            issued += await _record(session, settings, order_id, answers)
    return issued


async def _ask(gateway: refunds.RefundGateway, refund: Refund, intent_id: str) -> _Answer:
    try:
        answer = await gateway.refund(
            payment_intent_id=intent_id,
            amount_minor=refund.amount_minor,
            idempotency_key=f"refund:{refund.id}",
            metadata={"refund_id": str(refund.id), "order_id": str(refund.order_id)},
        )
    except PaymentProviderError as exc:
        if exc.retryable:
            raise
        log.error("refund_refused", refund_id=str(refund.id), code=exc.provider_code)
        return _Answer(refund.id, None, "failed", f"{exc.provider_code}: {exc.message}"[:1000])
    return _Answer(refund.id, str(answer.id), str(answer.status))


async def _record(
    session: AsyncSession, settings: Settings, order_id: uuid.UUID, answers: list[_Answer]
) -> int:
    """Record the provider's answers under the order's lock; the e-mail lists those issued."""
    order = await lock_order(session, order_id)
    if order is None:
        return 0
    found = await session.scalars(
        select(Refund)
        .where(Refund.id.in_([a.refund_id for a in answers]))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # not recorded yet (a concurrent run may have); charge.refunded may have completed one
    rows = {
        r.id: r for r in found if r.provider_refund_id is None and r.status != RefundStatus.FAILED
    }
    todo = [(rows[a.refund_id], a) for a in answers if a.refund_id in rows]
    if not todo:
        return 0
    state = None
    if any(refund.order_item_id is not None for refund, _ in todo):
        state = await refunds.lock_order_state(session, order_id)
    issued: list[Refund] = []
    for refund, answer in todo:
        if answer.status in ("failed", "canceled"):
            refund.status = RefundStatus.FAILED
            refund.processed_at = utcnow()
            refund.failure_reason = answer.failure or f"the provider answered {answer.status}"
            continue
        refund.provider_refund_id = answer.provider_refund_id
        if answer.status == "succeeded" and refund.status == RefundStatus.PENDING:
            if state is not None and refund.order_item_id is not None:
                await refunds.complete_refund(session, state, refund)
            else:
                await _refund_second_payment(session, order, refund)
        issued.append(refund)
    await session.flush()
    if issued:
        await _tell_buyer(session, settings, order, state.items if state else [], issued)
    return len(issued)


async def _refund_second_payment(session: AsyncSession, order: Order, refund: Refund) -> None:
    payment = await session.get(Payment, refund.payment_id, with_for_update=True)
    refund.status = RefundStatus.SUCCEEDED
    refund.processed_at = utcnow()
    if payment is not None:
        payment.amount_refunded_minor = min(
            payment.amount_refunded_minor + refund.amount_minor, payment.amount_minor
        )
        payment.status = (
            PaymentStatus.REFUNDED
            if payment.amount_refunded_minor >= payment.amount_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
    title = f"Second payment for order #{order.number} refunded"
    await refunds.notify_refund(session, order, refund.amount_minor, title)


async def _tell_buyer(
    session: AsyncSession,
    settings: Settings,
    order: Order,
    items: Sequence[OrderItem],
    issued: Sequence[Refund],
) -> None:
    user = await get_user(session, order.user_id) if order.user_id is not None else None
    if user is None:
        return
    titles: dict[uuid.UUID | None, str] = {item.id: item.title for item in items}
    second = f"A second payment for order #{order.number}"
    lines = [
        {
            "title": titles.get(refund.order_item_id) or second,
            "amount": format_money(refund.amount_minor, refund.currency),
        }
        for refund in issued
    ]
    await queue_email(
        session,
        to=user.email,
        template=TEMPLATE,
        context={
            "order_id": str(order.id),
            "refund_ids": [str(refund.id) for refund in issued],
            "first_name": user.first_name,
            "order_number": str(order.number),
            "lines": lines,
            "total": format_money(sum(r.amount_minor for r in issued), order.currency),
            "order_url": order_url(settings, order.id),
        },
        user_id=user.id,
    )
