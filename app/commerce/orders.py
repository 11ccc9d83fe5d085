"""Orders: the caller's cart becomes an order that snapshots lines and prices, then is paid.

Checkout (`create_order`) runs in two steps, so that the payment provider is never called while
the checkout's locks are held and a failure never orphans a payment intent:

1. `place_order`, one transaction: the cart becomes a PENDING order without a payment, the
   coupon use is RESERVED (limits decided here, under concurrency; CONFIRMED when the payment
   succeeds) and the cart is emptied. A free total is paid at once (no intent).
2. `start_payment`, a second short transaction that holds only the order's row: the provider
   creates the intent under the key `order:<order id>:intent` and it is attached to the order
   (REQUIRES_PAYMENT, a payment row). The order being committed first, its key never changes:
   when this step fails (the provider is down, or the commit fails after it answered) the order
   stays PENDING, and a retry with the same idempotency key resumes it and gets the very same
   intent from the provider; concurrent retries wait for the row and reuse the attached intent.

`create_order` is idempotent per (user, idempotency key): the key is serialised with a
transaction-scoped advisory lock, so concurrent replays see the first call's committed order and
return it. The request hash (sha256 of the input without the key, the expected total in minor
units so that 55 and 55.00 are one request) is stored on the order; a used key with a different
body, or while the cart holds courses again (the key's checkout emptied it: this is another
cart), is a CONFLICT.

One order per course at a time: checkout refuses a course the buyer owns (ALREADY_OWNED) or has
in an unpaid order younger than ORDER_PENDING_MINUTES (ORDER_PENDING). The check runs under the
cart's row lock, which every checkout of the buyer takes first, so concurrent checkouts cannot
both pass it.

Payment outcomes arrive as provider events (app.commerce.events). `payment_intent.succeeded`
(found by the order's intent, else by the order id in the intent's metadata) settles the payment
(`settle_payment`): the amount and currency collected must be the order's (else the order is not
paid, the mismatch is logged and the payment flagged `amount_mismatch` for review); then the
order is paid, the coupon confirmed, the student enrolled in every course of the order (Property
53), notified, and ORDER_PAID emitted (the worker renders the PDF invoice and e-mails the
receipt). A payment that buys nothing is given back (app.commerce.auto_refunds): a course the
buyer owns already (or can no longer join) when the payment arrives is refunded per item, and a
second payment for an order that is paid already or canceled (two tabs, a hosted checkout
completing late) is refunded in full. `payment_intent.payment_failed` fails an unpaid order and
frees the coupon use. Both converge whatever order events arrive in: a late failure never
un-pays an order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import live, webhooks
from app.accounts.models import UserRole
from app.analytics import EntityType, EventType, record_event
from app.clock import utcnow
from app.commerce import auto_refunds, repo
from app.commerce import cart as cart_service
from app.commerce.coupons import confirm_redemption, release_redemption, reserve_coupon
from app.commerce.errors import CommerceCode
from app.commerce.events import event_object, register_handler
from app.commerce.models import (
    Cart,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
)
from app.commerce.repo import items_of_order, lock_order, payment_of
from app.commerce.revenue import recompute_course_revenue
from app.db import Database
from app.errors import Common, Conflict, DomainError, Invalid, NotFound
from app.integrations.payments import PaymentGateway
from app.learning.models import EnrollmentSource
from app.learning.service import enroll_student
from app.money import Amount, to_minor
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.outbox import emit
from app.pagination import Page, PageRequest
from app.security.permissions import Actor

ORDER_PAID = "commerce.order_paid"
MAX_KEY_LENGTH = 255
SETTLED = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED)
AMOUNT_MISMATCH = "amount_mismatch"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    items: list[OrderItem]
    client_secret: str | None
    replayed: bool = False


def request_hash_of(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the request body (keys sorted, key excluded by caller)."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def checkout_hash(expected_total: tuple[int, str] | None) -> str:
    """The request hash of a checkout expecting this total (minor units, currency) or none; a
    checkout without an expected total hashes as it always did, so older keys still replay
    (the JSON keys are those of the first request bodies, kept for that reason)."""
    if expected_total is None:
        return request_hash_of({"expectedTotalMinor": None})
    minor, currency = expected_total
    return request_hash_of({"expectedTotalMinor": minor, "currency": currency})


def check_idempotency_key(key: str | None) -> str:
    cleaned = (key or "").strip()
    if not cleaned:
        raise Invalid("idempotency_key", "An idempotency key is required", Common.REQUIRED)
    if len(cleaned) > MAX_KEY_LENGTH:
        raise Invalid("idempotency_key", "The idempotency key is too long", Common.TOO_LONG)
    return cleaned


async def create_order(
    db: Database,
    gateway: PaymentGateway,
    *,
    user_id: uuid.UUID,
    idempotency_key: str | None,
    provider: PaymentProvider,
    expected_total: Amount | None = None,
) -> CheckoutResult:
    """Check out the user's cart in two transactions (see the module docstring). Raises Invalid
    CART_EMPTY, TOO_PRECISE / UNKNOWN_CURRENCY (expected_total), Conflict CONFLICT (key used
    with another body or cart) / TOTAL_CHANGED / CURRENCY_MISMATCH, the cart's ALREADY_OWNED /
    ORDER_PENDING / COURSE_UNAVAILABLE and the coupon's COUPON_EXHAUSTED / COUPON_LIMIT_REACHED;
    `PaymentProviderError` when the provider fails (the order is kept: retry with the key)."""
    key = check_idempotency_key(idempotency_key)
    expected = None
    if expected_total is not None:
        expected = (to_minor(expected_total, "expected_total"), expected_total.currency)
    async with db.transaction() as session:
        placed = await place_order(session, user_id=user_id, key=key, expected=expected)
    if not awaits_payment(placed.order):
        return placed
    order, secret = await start_payment(db, gateway, order_id=placed.order.id, provider=provider)
    return CheckoutResult(order, placed.items, secret, placed.replayed)


async def place_order(
    session: AsyncSession, *, user_id: uuid.UUID, key: str, expected: tuple[int, str] | None
) -> CheckoutResult:
    """Step 1 of checkout: the cart becomes a PENDING order (a free one is paid), or the key's
    order is replayed."""
    await _lock_key(session, user_id, key)
    existing = await _find_by_key(session, user_id, key)
    if existing is not None:
        return await _replay(session, existing, checkout_hash(expected))
    await _lock_cart(session, user_id)
    checkout = await cart_service.checkout_snapshot(session, user_id=user_id)
    _check_expected(expected, checkout.totals.total_minor, checkout.totals.currency)
    order, items = await _insert_order(session, user_id, key, checkout_hash(expected), checkout)
    if checkout.coupon_id is not None and checkout.totals.discount_minor > 0:
        await reserve_coupon(
            session,
            coupon_id=checkout.coupon_id,
            user_id=user_id,
            order_id=order.id,
            discount_minor=checkout.totals.discount_minor,
        )
    await cart_service.clear_cart(session, user_id=user_id)
    if order.total_minor == 0:
        await _complete(session, order, items)
    return CheckoutResult(order, items, None)


def awaits_payment(order: Order) -> bool:
    """A placed order whose payment has not been started yet."""
    return (
        order.status == OrderStatus.PENDING
        and order.payment_intent_id is None
        and order.total_minor > 0
    )


async def start_payment(
    db: Database, gateway: PaymentGateway, *, order_id: uuid.UUID, provider: PaymentProvider
) -> tuple[Order, str | None]:
    """Step 2 of checkout: the order's payment intent (created once per order, whoever asks),
    attached in a transaction holding only the order's row; the order and its client secret."""
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        if order is None:
            raise NotFound("Order")
        if awaits_payment(order):
            await _attach_intent(session, gateway, order, provider)
        payment = await payment_of(session, order)
    return order, payment.metadata_.get("client_secret") if payment is not None else None


def _check_expected(expected: tuple[int, str] | None, total_minor: int, currency: str) -> None:
    if expected is None:
        return
    if expected[1] != currency:
        raise Conflict(
            "expected_total", f"The cart is priced in {currency}", CommerceCode.CURRENCY_MISMATCH
        )
    if expected[0] != total_minor:
        raise Conflict(
            "expected_total", "The cart total has changed; review it", CommerceCode.TOTAL_CHANGED
        )


async def _lock_key(session: AsyncSession, user_id: uuid.UUID, key: str) -> None:
    digest = hashlib.sha256(f"order-key:{user_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(lock_id)))


async def _lock_cart(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise checkouts of one cart: a second checkout (another key) then finds it empty."""
    await session.execute(select(Cart.id).where(Cart.user_id == user_id).with_for_update())


async def _find_by_key(session: AsyncSession, user_id: uuid.UUID, key: str) -> Order | None:
    stmt = select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _replay(session: AsyncSession, order: Order, request_hash: str) -> CheckoutResult:
    if order.request_hash != request_hash:
        raise Conflict("idempotency_key", "This idempotency key was used for a different request")
    if order.user_id is not None and await cart_service.has_items(session, user_id=order.user_id):
        raise Conflict(
            "idempotency_key", "This idempotency key checked out another cart: use a new key"
        )
    payment = await payment_of(session, order)
    secret = payment.metadata_.get("client_secret") if payment is not None else None
    return CheckoutResult(order, await items_of_order(session, order.id), secret, replayed=True)


async def _insert_order(
    session: AsyncSession,
    user_id: uuid.UUID,
    key: str,
    request_hash: str,
    checkout: cart_service.CheckoutSnapshot,
) -> tuple[Order, list[OrderItem]]:
    totals = checkout.totals
    order = Order(
        user_id=user_id,
        status=OrderStatus.PENDING,
        subtotal_minor=totals.subtotal_minor,
        discount_minor=totals.discount_minor,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        currency=totals.currency,
        coupon_id=checkout.coupon_id if totals.discount_minor > 0 else None,
        idempotency_key=key,
        request_hash=request_hash,
    )
    session.add(order)
    await session.flush()
    items = [
        OrderItem(
            order_id=order.id,
            course_id=line.course_id,
            title=line.title,
            tier=line.tier,
            unit_price_minor=total.unit_price_minor,
            discount_minor=total.discount_minor,
            total_minor=total.total_minor,
        )
        for line, total in zip(checkout.lines, totals.lines, strict=True)
    ]
    session.add_all(items)
    await session.flush()
    return order, items


async def _attach_intent(
    session: AsyncSession, gateway: PaymentGateway, order: Order, provider: PaymentProvider
) -> None:
    intent = await gateway.create_payment_intent(
        amount_minor=order.total_minor,
        currency=order.currency,
        customer_id=None,
        metadata={"order_id": str(order.id), "order_number": str(order.number)},
        idempotency_key=f"order:{order.id}:intent",
    )
    order.status = OrderStatus.REQUIRES_PAYMENT  # no live event: the buyer's own request
    order.provider = provider
    order.payment_intent_id = intent.id
    session.add(
        Payment(
            order_id=order.id,
            user_id=order.user_id,
            provider=provider,
            provider_payment_id=intent.id,
            amount_minor=order.total_minor,
            currency=order.currency,
            status=PaymentStatus.PENDING,
            metadata_={"client_secret": intent.client_secret},
        )
    )
    await session.flush()


# --- completion ----------------------------------------------------------------------------


async def _complete(session: AsyncSession, order: Order, items: Sequence[OrderItem]) -> None:
    """Pay the order: coupon confirmed, student enrolled in every course, notified, receipt; the
    items whose course the payment could not open are held for an automatic refund."""
    order.status = OrderStatus.PAID
    order.paid_at = utcnow()
    await live.publish(  # the order's page sees it live (orderStatusChanged)
        session,
        live.order_channel(order.id),
        {"type": "order_status", "order_id": str(order.id), "status": str(order.status)},
    )
    if order.coupon_id is not None:
        await confirm_redemption(session, order_id=order.id)
    assert order.user_id is not None
    unopened = [item for item in items if not await _enroll(session, order, item)]
    await session.flush()
    await recompute_course_revenue(session, [i.course_id for i in items if i.course_id is not None])
    await notify(
        session,
        recipient_id=order.user_id,
        type=NotificationType.PAYMENT_SUCCEEDED,
        title="Payment received",
        body=f"Thank you! Order #{order.number} is paid and your courses are ready.",
        category=NotificationCategory.PAYMENT,
        metadata={"order_id": str(order.id)},
    )
    await emit(session, ORDER_PAID, {"order_id": str(order.id)})
    await webhooks.order_paid(session, order_id=order.id)
    _record_purchase(session, order, items)
    await auto_refunds.hold_item_refunds(session, order, unopened)
    await session.flush()


def _record_purchase(session: AsyncSession, order: Order, items: Sequence[OrderItem]) -> None:
    """purchase.completed per course item, once the payment's transaction commits."""
    for item in items:
        if item.course_id is None:
            continue
        record_event(
            EventType.PURCHASE_COMPLETED,
            user_id=order.user_id,
            course_id=item.course_id,
            entity_type=EntityType.ORDER,
            entity_id=order.id,
            properties={"amount_minor": item.total_minor, "currency": order.currency},
            occurred_at=order.paid_at,
            session=session,
        )


async def _enroll(session: AsyncSession, order: Order, item: OrderItem) -> bool:
    """Enroll in one course: False when the payment cannot open it (owned already, or gone,
    full, unpublished, revoked), logged; it never un-pays the order."""
    if item.course_id is None or order.user_id is None:
        return False
    try:
        async with session.begin_nested():
            await enroll_student(
                session,
                student_id=order.user_id,
                course_id=item.course_id,
                source=EnrollmentSource.PURCHASE,
                pricing_tier=item.tier,
                order_id=order.id,
            )
    except DomainError as exc:
        log.warning(
            "order_enroll_skipped", order_id=str(order.id), course_id=str(item.course_id), error=exc
        )
        return False
    return True


@dataclass(frozen=True)
class Charge:
    """What a provider's success event says was collected, and through which intent."""

    intent_id: str | None
    amount_minor: int | None
    currency: str | None  # upper-case
    method: str | None = None


def charge_of(intent_id: object, amount: object, currency: object, method: object = None) -> Charge:
    """A Charge from the loosely typed fields of a provider object."""
    return Charge(
        intent_id=intent_id if isinstance(intent_id, str) and intent_id else None,
        amount_minor=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        currency=currency.upper() if isinstance(currency, str) else None,
        method=method if isinstance(method, str) else None,
    )


async def _lock_order_for_intent(
    session: AsyncSession, intent: dict[str, object], *, or_named: bool = False
) -> Order | None:
    """The order the intent is attached to; else, `or_named`, the one its metadata names (an
    intent the order no longer names: replaced by a Checkout Session's, or the other way)."""
    intent_id = intent.get("id")
    if not isinstance(intent_id, str):
        return None
    stmt = select(Order).where(Order.payment_intent_id == intent_id).with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is not None or not or_named:
        return found
    metadata = intent.get("metadata")
    order_id = uuid_or_none(metadata.get("order_id") if isinstance(metadata, dict) else None)
    return await lock_order(session, order_id) if order_id is not None else None


def uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def on_payment_succeeded(session: AsyncSession, event: PaymentEvent) -> None:
    intent = event_object(event)
    order = await _lock_order_for_intent(session, intent, or_named=True)
    if order is None:
        return
    methods = intent.get("payment_method_types")
    method = methods[0] if isinstance(methods, list) and methods else None
    received = intent.get("amount_received")
    amount = received if isinstance(received, int) and received > 0 else intent.get("amount")
    charge = charge_of(intent.get("id"), amount, intent.get("currency"), method)
    await settle_payment(session, order, charge, provider=event.provider)


async def settle_payment(
    session: AsyncSession, order: Order, charge: Charge, *, provider: PaymentProvider
) -> None:
    """A provider's successful payment for `order` (locked by the caller), once per intent: it
    pays the order when it is payable and the amount and currency are the order's (else the
    mismatch is flagged and the order stays unpaid); a payment through another intent for an
    order already paid or canceled is held for a refund in full; a replay does nothing."""
    if order.status in SETTLED or order.status == OrderStatus.CANCELED:
        if charge.intent_id is not None and charge.intent_id != order.payment_intent_id:
            await auto_refunds.hold_payment_refund(
                session,
                order,
                intent_id=charge.intent_id,
                amount_minor=charge.amount_minor or 0,
                currency=charge.currency or order.currency,
                provider=provider,
            )
        return
    if (charge.amount_minor, charge.currency) != (order.total_minor, order.currency):
        await _flag_mismatch(session, order, charge)
        return
    await pay_order(session, order, method=charge.method, payment_intent_id=charge.intent_id)


async def _flag_mismatch(session: AsyncSession, order: Order, charge: Charge) -> None:
    log.error(
        "payment_amount_mismatch",
        order_id=str(order.id),
        payment_intent_id=charge.intent_id,
        expected_minor=order.total_minor,
        expected_currency=order.currency,
        received_minor=charge.amount_minor,
        received_currency=charge.currency,
    )
    payment = await _payment_row(session, order)
    if payment is None:
        return
    payment.failure_code = AMOUNT_MISMATCH
    payment.failure_message = (
        f"The provider collected {charge.amount_minor} {charge.currency} through "
        f"{charge.intent_id}; the order is {order.total_minor} {order.currency}"
    )[:1000]
    payment.metadata_ = {
        **payment.metadata_,
        "flag": AMOUNT_MISMATCH,
        "charged": {
            "intent_id": charge.intent_id,
            "amount_minor": charge.amount_minor,
            "currency": charge.currency,
        },
    }
    await session.flush()


async def _payment_row(session: AsyncSession, order: Order) -> Payment | None:
    """The payment row of the order's intent, else (an order paid through a Checkout Session
    before it had an intent) its latest payment row."""
    found = await payment_of(session, order)
    if found is not None:
        return found
    return await session.scalar(
        select(Payment)
        .where(Payment.order_id == order.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(1)
    )


async def pay_order(
    session: AsyncSession,
    order: Order,
    *,
    method: str | None = None,
    payment_intent_id: str | None = None,
) -> bool:
    """Pay an order locked by the caller, once: False (nothing done) when settled or canceled.

    `payment_intent_id` is the intent that actually paid when it is not the order's own (a
    Checkout Session's): it replaces the order's and its payment's, so refunds reach the charge.
    """
    if order.status in SETTLED or order.status == OrderStatus.CANCELED:
        return False
    payment = await _payment_row(session, order)
    if payment_intent_id and payment_intent_id != order.payment_intent_id:
        order.payment_intent_id = payment_intent_id
        if payment is not None:
            payment.provider_payment_id = payment_intent_id
    if payment is not None:
        payment.status = PaymentStatus.SUCCEEDED
        payment.succeeded_at = utcnow()
        payment.failure_code = payment.failure_message = None
        payment.method = method or payment.method
    await _complete(session, order, await items_of_order(session, order.id))
    return True


async def on_payment_failed(session: AsyncSession, event: PaymentEvent) -> None:
    intent = event_object(event)
    order = await _lock_order_for_intent(session, intent)
    if order is None or order.status not in (OrderStatus.PENDING, OrderStatus.REQUIRES_PAYMENT):
        return
    order.status = OrderStatus.FAILED
    await live.publish(  # the order's page sees it live (orderStatusChanged)
        session,
        live.order_channel(order.id),
        {"type": "order_status", "order_id": str(order.id), "status": str(order.status)},
    )
    payment = await payment_of(session, order)
    if payment is not None:
        error = intent.get("last_payment_error")
        details = error if isinstance(error, dict) else {}
        payment.status = PaymentStatus.FAILED
        payment.failure_code = _str_or_none(details.get("code"))
        payment.failure_message = _str_or_none(details.get("message"))
    if order.coupon_id is not None:
        await release_redemption(session, order_id=order.id)
    if order.user_id is not None:
        await notify(
            session,
            recipient_id=order.user_id,
            type=NotificationType.PAYMENT_FAILED,
            title="Payment failed",
            body=f"The payment for order #{order.number} did not go through. Please try again.",
            category=NotificationCategory.PAYMENT,
            metadata={"order_id": str(order.id)},
        )
    await session.flush()


def _str_or_none(value: object) -> str | None:
    return str(value)[:1000] if value is not None else None


register_handler("payment_intent.succeeded", on_payment_succeeded)
register_handler("payment_intent.payment_failed", on_payment_failed)


# --- reads ---------------------------------------------------------------------------------


def may_read(viewer: Actor | None, order: Order) -> bool:
    """Its buyer and admins (with MFA when the policy asks) read an order; nobody else."""
    return viewer is not None and (
        viewer.id == order.user_id
        or (UserRole(viewer.role) == UserRole.ADMIN and not viewer.admin_mfa_missing)
    )


async def orders_of_user(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[Order]:
    """A user's orders, most recent first."""
    return await repo.orders_of_user(
        session, user_id=user_id, request=request, with_total=with_total
    )
