"""The commerce domain's part of a GDPR export and erasure.

Financial records stay, as the law requires: orders, their items, payments, refunds and
subscriptions keep their numbers, amounts, currencies, statuses and dates (and still point at
the now anonymised user row). What identifies the person goes: the cart, the provider-customer
link, the user's refund reasons, the stored invoice PDFs (they print the name and e-mail; an
invoice rendered again shows "Deleted user"), and the e-mail address and full name wherever they
appear in payment metadata and stored provider events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.commerce import repo
from app.commerce.invoices import invoice_key
from app.commerce.models import (
    Cart,
    Order,
    OrderItem,
    Payment,
    PaymentCustomer,
    PaymentEvent,
    Refund,
    Subscription,
)
from app.commerce.subscriptions import SubscriptionGateway, cancel_subscription
from app.privacy import ErasureSubject, plain_rows, scrub_json, scrub_text


async def has_renewing_subscription(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether the user has a subscription the provider will bill again (live, not cancelled at
    the period's end): erasure cannot stop the provider's billing, so the user cancels first."""
    row = await repo.live_subscription(session, user_id=user_id)
    return row is not None and not row.cancel_at_period_end


async def stop_renewal(
    session: AsyncSession, gateway: SubscriptionGateway, *, user_id: uuid.UUID
) -> bool:
    """Cancel the user's renewing subscription at the period's end, at the provider (an admin's
    erasure: the user cannot be asked to); whether there was one."""
    if not await has_renewing_subscription(session, user_id):
        return False
    await cancel_subscription(session, gateway, user_id=user_id, at_period_end=True)
    return True


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    orders = await session.execute(
        select(
            Order.id,
            Order.number,
            Order.status,
            Order.subtotal_minor,
            Order.discount_minor,
            Order.tax_minor,
            Order.total_minor,
            Order.refunded_minor,
            Order.currency,
            Order.created_at,
            Order.paid_at,
            Order.canceled_at,
        ).where(Order.user_id == user_id)
    )
    items = await session.execute(
        select(
            OrderItem.order_id,
            OrderItem.course_id,
            OrderItem.title,
            OrderItem.tier,
            OrderItem.unit_price_minor,
            OrderItem.discount_minor,
            OrderItem.total_minor,
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.user_id == user_id)
    )
    payments = await session.execute(
        select(
            Payment.id,
            Payment.order_id,
            Payment.amount_minor,
            Payment.amount_refunded_minor,
            Payment.currency,
            Payment.status,
            Payment.method,
            Payment.created_at,
            Payment.succeeded_at,
        ).where(Payment.user_id == user_id)
    )
    refunds = await session.execute(
        select(
            Refund.id,
            Refund.order_id,
            Refund.amount_minor,
            Refund.currency,
            Refund.reason,
            Refund.status,
            Refund.created_at,
            Refund.processed_at,
        )
        .join(Order, Order.id == Refund.order_id)
        .where(Order.user_id == user_id)
    )
    subscriptions = await session.execute(
        select(
            Subscription.id,
            Subscription.plan_id,
            Subscription.status,
            Subscription.current_period_start,
            Subscription.current_period_end,
            Subscription.canceled_at,
            Subscription.created_at,
        ).where(Subscription.user_id == user_id)
    )
    return {
        "orders": {
            "orders": plain_rows(orders.all()),
            "items": plain_rows(items.all()),
            "payments": plain_rows(payments.all()),
            "refunds": plain_rows(refunds.all()),
            "subscriptions": plain_rows(subscriptions.all()),
        }
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    orders = await session.scalars(select(Order.id).where(Order.user_id == user_id))
    subject.storage_keys.extend(invoice_key(order_id) for order_id in orders.all())
    await session.execute(delete(Cart).where(Cart.user_id == user_id))
    await session.execute(delete(PaymentCustomer).where(PaymentCustomer.user_id == user_id))
    mine = select(Order.id).where(Order.user_id == user_id)
    await session.execute(update(Refund).where(Refund.order_id.in_(mine)).values(reason=None))
    await scrub_text(session, Payment.failure_message, subject)
    await scrub_json(session, Payment.metadata_, subject)
    await scrub_json(session, PaymentEvent.payload, subject)
