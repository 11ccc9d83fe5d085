"""Refunds: `request_refund` (the student, policy amount), `refund_order` (admins, any amount up to
what is left) and the provider's `charge.refunded` event (Properties 54 and 55).

- Admins give the amount in major units of the order's currency (`app.money.to_minor`).
- Each refunded order item gets its own Refund row (pending), then the gateway is asked with the
  idempotency key f"refund:{refund.id}"; the gateway's immediate answer or the later
  `charge.refunded` event moves it to succeeded, exactly once.
- The order row is locked first, so concurrent requests on one order are serialised; what an item
  can still give back counts refunds already succeeded (order_items.refunded_minor) AND pending
  ones, so two concurrent requests never refund more than was paid.
- Effects of a succeeded refund, in one transaction: item/order/payment refunded amounts and
  statuses, the item's enrollment REFUNDED (access revoked, seat freed), a REFUND_PROCESSED
  notification, course_analytics.revenue_minor recomputed for the course.
- `charge.refunded` carries the charge's cumulative `amount_refunded`: the part not yet recorded
  completes our pending refunds (oldest first) and whatever remains was refunded outside the
  platform (e.g. the provider's dashboard); it is recorded as an order-level refund spread over
  the items. Replays find nothing left to record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import learning, live, webhooks
from app.clock import utcnow
from app.commerce import revenue
from app.commerce.errors import CommerceCode
from app.commerce.events import event_object, register_handler
from app.commerce.invoices import format_money
from app.commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from app.commerce.refund_policy import (
    Consumption,
    RefundPolicy,
    order_status_after,
    policy_amount,
    refundable,
)
from app.errors import Common, Forbidden, Invalid, NotFound
from app.learning.models import Enrollment, EnrollmentStatus
from app.money import Amount, from_minor, to_minor
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor, Permission, has_permission
from app.settings import Settings

REFUNDABLE_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
MAX_REASON = 1000


class RefundGateway(Protocol):
    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> Any: ...


@dataclass(frozen=True)
class Refunded:
    """The refunds one request made, and their order as they left it."""

    order: Order
    refunds: list[Refund]


@dataclass
class OrderState:
    order: Order
    payment: Payment
    items: list[OrderItem]
    pending: dict[uuid.UUID, int]  # order item id -> pending refund total

    def left(self, item: OrderItem) -> int:
        return refundable(item.total_minor, item.refunded_minor + self.pending.get(item.id, 0))


def policy_of(settings: Settings) -> RefundPolicy:
    return RefundPolicy(settings.refund_window_days, settings.refund_full_max_consumed_percent)


async def request_refund(
    session: AsyncSession,
    gateway: RefundGateway,
    *,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    course_id: uuid.UUID | None,
    reason: str | None,
    policy: RefundPolicy,
    now: datetime | None = None,
) -> Refunded:
    """The buyer asks for a refund of one course of the order (or all of them) by the policy.

    NotFound when the order is not theirs; Invalid NOT_REFUNDABLE when the policy gives nothing.
    """
    text = _reason(reason)
    state = await lock_order_state(session, order_id)
    if state.order.user_id != user_id:
        raise NotFound("Order")
    paid_at = state.order.paid_at or state.payment.succeeded_at or state.order.created_at
    plan: list[tuple[OrderItem, int]] = []
    for item in _chosen(state, course_id):
        consumption = await _consumption(session, user_id, item)
        amount = policy_amount(
            paid_minor=item.total_minor,
            refunded_minor=item.refunded_minor + state.pending.get(item.id, 0),
            paid_at=paid_at,
            now=now or utcnow(),
            consumption=consumption,
            policy=policy,
        )
        if amount > 0:
            plan.append((item, amount))
    if not plan:
        raise Invalid(
            "order_id", "Nothing in this order can be refunded", CommerceCode.NOT_REFUNDABLE
        )
    return await _issue(session, gateway, state, plan, text, user_id)


async def refund_order(
    session: AsyncSession,
    gateway: RefundGateway,
    *,
    actor: Actor,
    order_id: uuid.UUID,
    amount: Decimal | None = None,
    course_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> Refunded:
    """Admins refund any amount (major units of the order's currency) up to what is left (all
    of it when no amount is given), on one course or spread over the order's items in order."""
    if not has_permission(actor, Permission.REFUNDS_MANAGE):
        raise Forbidden("Only admins can refund orders")
    text = _reason(reason)
    state = await lock_order_state(session, order_id)
    currency = state.order.currency
    amount_minor = None if amount is None else to_minor(Amount(amount, currency), "amount")
    if amount_minor is not None and amount_minor <= 0:
        raise Invalid("amount", "The amount must be positive", Common.OUT_OF_RANGE)
    items = _chosen(state, course_id)
    available = sum(state.left(item) for item in items)
    wanted = available if amount_minor is None else amount_minor
    if available == 0:
        raise Invalid(
            "order_id", "Nothing in this order can be refunded", CommerceCode.NOT_REFUNDABLE
        )
    if wanted > available:
        raise Invalid(
            "amount",
            f"At most {_money(available, currency)} can still be refunded",
            CommerceCode.AMOUNT_TOO_HIGH,
        )
    plan = [(item, share) for item, share in _spread(wanted, items, state) if share > 0]
    return await _issue(session, gateway, state, plan, text, actor.id)


def _spread(amount: int, items: list[OrderItem], state: OrderState) -> list[tuple[OrderItem, int]]:
    shares: list[tuple[OrderItem, int]] = []
    for item in items:
        share = min(amount, state.left(item))
        shares.append((item, share))
        amount -= share
    return shares


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise Invalid("reason", f"Keep the reason under {MAX_REASON} characters", Common.TOO_LONG)
    return text or None


def _chosen(state: OrderState, course_id: uuid.UUID | None) -> list[OrderItem]:
    if course_id is None:
        return state.items
    chosen = [item for item in state.items if item.course_id == course_id]
    if not chosen:
        raise Invalid(
            "course_id", "This course is not part of the order", CommerceCode.NOT_IN_ORDER
        )
    return chosen


async def lock_order_state(session: AsyncSession, order_id: uuid.UUID) -> OrderState:
    """The order, its payment and items locked, with what is pending on each item. NotFound;
    Invalid ALREADY_REFUNDED / ORDER_NOT_PAID."""
    order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound("Order")
    payment = await _payment_of(session, order)
    if order.status == OrderStatus.REFUNDED:
        raise Invalid("order_id", "This order was refunded already", CommerceCode.ALREADY_REFUNDED)
    if order.status not in REFUNDABLE_ORDER_STATUSES or payment is None:
        raise Invalid("order_id", "Only a paid order can be refunded", CommerceCode.ORDER_NOT_PAID)
    items = list(
        await session.scalars(
            select(OrderItem)
            .where(OrderItem.order_id == order.id)
            .order_by(OrderItem.created_at, OrderItem.id)
            .with_for_update()
        )
    )
    rows = await session.execute(
        select(Refund.order_item_id, func.sum(Refund.amount_minor))
        .where(Refund.order_id == order.id, Refund.status == RefundStatus.PENDING)
        .group_by(Refund.order_item_id)
    )
    pending = {item_id: int(total) for item_id, total in rows.all() if item_id is not None}
    return OrderState(order, payment, items, pending)


async def _payment_of(session: AsyncSession, order: Order) -> Payment | None:
    """The payment that paid the order (a second payment for it is refunded on its own)."""
    if order.payment_intent_id is None:
        return None
    return await session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.provider_payment_id == order.payment_intent_id,
            Payment.status.in_(
                (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
            ),
        )
        .order_by(Payment.created_at.desc())
        .limit(1)
        .with_for_update()
    )


async def _consumption(session: AsyncSession, user_id: uuid.UUID, item: OrderItem) -> Consumption:
    if item.course_id is None:
        return Consumption(0, 0)
    enrollment = await learning.find_enrollment(session, user_id, item.course_id)
    if enrollment is None:
        return Consumption(0, 0)
    completed, total = await learning.completion_counts(session, enrollment)
    return Consumption(completed, total)


async def _issue(
    session: AsyncSession,
    gateway: RefundGateway,
    state: OrderState,
    plan: Sequence[tuple[OrderItem, int]],
    reason: str | None,
    requested_by: uuid.UUID,
) -> Refunded:
    refunds: list[Refund] = []
    for item, amount in plan:
        enrollment = await _enrollment_of(session, state.order, item)
        refund = Refund(
            payment_id=state.payment.id,
            order_id=state.order.id,
            order_item_id=item.id,
            enrollment_id=enrollment.id if enrollment is not None else None,
            amount_minor=amount,
            currency=state.order.currency,
            reason=reason,
            status=RefundStatus.PENDING,
            requested_by_id=requested_by,
        )
        session.add(refund)
        await session.flush()
        state.pending[item.id] = state.pending.get(item.id, 0) + amount
        answer = await gateway.refund(
            payment_intent_id=state.order.payment_intent_id or state.payment.provider_payment_id,
            amount_minor=amount,
            idempotency_key=f"refund:{refund.id}",
            metadata={"refund_id": str(refund.id), "order_id": str(state.order.id)},
        )
        refund.provider_refund_id = str(answer.id)
        status = str(answer.status)
        if status == "succeeded":
            await complete_refund(session, state, refund)
        elif status in ("failed", "canceled"):
            refund.status = RefundStatus.FAILED
            refund.processed_at = utcnow()
            state.pending[item.id] -= amount
        refunds.append(refund)
    await session.flush()
    return Refunded(state.order, refunds)


async def _enrollment_of(session: AsyncSession, order: Order, item: OrderItem) -> Enrollment | None:
    if order.user_id is None or item.course_id is None:
        return None
    return await learning.find_enrollment(session, order.user_id, item.course_id)


async def complete_refund(session: AsyncSession, state: OrderState, refund: Refund) -> None:
    """Pending → succeeded with every effect (Property 55). Callers hold the order lock."""
    refund.status = RefundStatus.SUCCEEDED
    refund.processed_at = utcnow()
    item = next((x for x in state.items if x.id == refund.order_item_id), None)
    if item is not None:
        state.pending[item.id] = max(state.pending.get(item.id, 0) - refund.amount_minor, 0)
        item.refunded_minor += refund.amount_minor
    courses = [item.course_id] if item is not None and item.course_id is not None else []
    # automatic refunds (no requester) are e-mailed by auto_refunds itself
    requested = refund.requested_by_id is not None
    await _record_amount(
        session, state, refund.amount_minor, revoke=courses, recompute=courses, email=requested
    )


async def _record_amount(
    session: AsyncSession,
    state: OrderState,
    amount: int,
    *,
    revoke: list[uuid.UUID],
    recompute: list[uuid.UUID],
    email: bool,
) -> None:
    order, payment = state.order, state.payment
    order.refunded_minor = min(order.refunded_minor + amount, order.total_minor)
    order.status = OrderStatus(
        order_status_after([(x.total_minor, x.refunded_minor) for x in state.items])
    )
    await live.publish(  # the order's page sees it live (orderStatusChanged)
        session,
        live.order_channel(order.id),
        {"type": "order_status", "order_id": str(order.id), "status": str(order.status)},
    )
    payment.amount_refunded_minor = min(
        payment.amount_refunded_minor + amount, payment.amount_minor
    )
    payment.status = (
        PaymentStatus.REFUNDED
        if order.status == OrderStatus.REFUNDED
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    await _revoke(session, order, revoke)
    await session.flush()
    await revenue.recompute_course_revenue(session, recompute)
    await notify_refund(
        session, order, amount, f"Refund of order #{order.number} processed", email=email
    )
    await webhooks.refund_processed(
        session, order_id=order.id, amount_minor=amount, currency=order.currency
    )


async def notify_refund(
    session: AsyncSession, order: Order, amount_minor: int, title: str, *, email: bool = False
) -> None:
    """Tell the buyer that `amount_minor` of their order is on its way back; with `email`, also by
    e-mail (refunds someone asked for; automatic refunds get auto_refunds' own e-mail)."""
    if order.user_id is None:
        return
    await notify(
        session,
        recipient_id=order.user_id,
        type=NotificationType.REFUND_PROCESSED,
        title=title,
        body=f"{format_money(amount_minor, order.currency)} is on its way back to you.",
        category=NotificationCategory.PAYMENT,
        metadata={"order_id": str(order.id), "amount_minor": amount_minor},
        send_email=email,
    )


def _money(amount: int, currency: str) -> str:
    return f"{from_minor(amount, currency)} {currency}"


async def _revoke(session: AsyncSession, order: Order, course_ids: list[uuid.UUID]) -> None:
    """End the access to these courses that this order granted (never another order's or a
    subscription's: a refund of a course the buyer had already leaves that access alone)."""
    if order.user_id is None:
        return
    for course_id in course_ids:
        await learning.lock_course(session, course_id)
        enrollment = await learning.find_enrollment(session, order.user_id, course_id)
        if (
            enrollment is None
            or enrollment.order_id != order.id
            or enrollment.status in (EnrollmentStatus.REFUNDED, EnrollmentStatus.REVOKED)
        ):
            continue
        enrollment.status = EnrollmentStatus.REFUNDED
        await session.flush()
        await learning.set_enrollment_count(session, course_id)


# --- the provider's charge.refunded event ------------------------------------------------------


class PaymentNotRecordedYet(Exception):
    """charge.refunded arrived before payment_intent.succeeded was processed: retried later."""


async def handle_charge_refunded(session: AsyncSession, event: PaymentEvent) -> None:
    charge = event_object(event)
    intent = charge.get("payment_intent")
    total = charge.get("amount_refunded")
    if not isinstance(intent, str) or not isinstance(total, int):
        return
    order = await session.scalar(select(Order).where(Order.payment_intent_id == intent))
    if order is None:
        return
    if order.status in (OrderStatus.PENDING, OrderStatus.REQUIRES_PAYMENT):
        raise PaymentNotRecordedYet(f"order {order.id}: the payment is not recorded yet")
    try:
        state = await lock_order_state(session, order.id)
    except Invalid:
        return  # refunded entirely already (or failed/canceled): nothing left to record
    unrecorded = total - state.payment.amount_refunded_minor
    pending = list(
        await session.scalars(
            select(Refund)
            .where(Refund.order_id == order.id, Refund.status == RefundStatus.PENDING)
            .order_by(Refund.created_at, Refund.id)
            .with_for_update()
        )
    )
    for refund in pending:
        if 0 < refund.amount_minor <= unrecorded:
            await complete_refund(session, state, refund)
            unrecorded -= refund.amount_minor
    if unrecorded > 0:
        await _record_external(session, state, unrecorded, _refund_ids(charge))


def _refund_ids(charge: dict[str, object]) -> list[str]:
    refunds = charge.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(data, list):
        return []
    return [str(x["id"]) for x in data if isinstance(x, dict) and isinstance(x.get("id"), str)]


async def _record_external(
    session: AsyncSession, state: OrderState, amount: int, provider_ids: list[str]
) -> None:
    """A refund made outside the platform: one order-level row, the amount spread over items."""
    known = set(
        await session.scalars(
            select(Refund.provider_refund_id).where(Refund.provider_refund_id.in_(provider_ids))
        )
    )
    fresh = next((x for x in reversed(provider_ids) if x not in known), None)
    refund = Refund(
        payment_id=state.payment.id,
        order_id=state.order.id,
        provider_refund_id=fresh,
        amount_minor=amount,
        currency=state.order.currency,
        reason="Refunded at the payment provider",
        status=RefundStatus.SUCCEEDED,
        processed_at=utcnow(),
    )
    session.add(refund)
    revoke: list[uuid.UUID] = []
    recompute: list[uuid.UUID] = []
    for item, share in _spread(amount, state.items, state):
        if share > 0 and item.course_id is not None:
            recompute.append(item.course_id)
            if item.refunded_minor + share >= item.total_minor:
                revoke.append(item.course_id)
        item.refunded_minor += share
    await _record_amount(session, state, amount, revoke=revoke, recompute=recompute, email=True)


register_handler("charge.refunded", handle_charge_refunded)
