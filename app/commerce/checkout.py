"""Stripe Checkout Sessions: a hosted payment page as an alternative to confirming the order's
PaymentIntent client-side.

`create_checkout_session` opens (once per order: gateway key ``order:<id>:checkout``, and the
session id is kept on the order's payment row, so a replay returns the same session) a session
for the caller's own unpaid order; its success/cancel URLs must stay on FRONTEND_URL's origin
(no open redirects). Stripe then sends `checkout.session.completed`: when its payment_status is
"paid", `on_checkout_completed` pays the order found by client_reference_id exactly like
`payment_intent.succeeded` does (`orders.pay_order`: paid once, enrolled once, whichever of
the two events arrives first or again).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import get_user
from app.commerce.errors import CommerceCode
from app.commerce.events import event_object, register_handler
from app.commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
)
from app.commerce.orders import charge_of, settle_payment, uuid_or_none
from app.commerce.repo import items_of_order, lock_order, payment_of
from app.errors import Conflict, Invalid, NotFound
from app.integrations.payments import CheckoutLine, PaymentGateway

PAYABLE = (OrderStatus.PENDING, OrderStatus.REQUIRES_PAYMENT)


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    checkout_url: str | None


def redirect_url(frontend_url: str, value: str | None, *, field: str, default_path: str) -> str:
    """`value` (or FRONTEND_URL + `default_path`) if it is an absolute URL on FRONTEND_URL's
    origin; Invalid INVALID_REDIRECT otherwise."""
    if value is None or not value.strip():
        return frontend_url.rstrip("/") + default_path
    url = value.strip()
    target, home = urlsplit(url), urlsplit(frontend_url)
    try:
        same = (target.scheme.lower(), target.hostname, target.port) == (
            home.scheme.lower(),
            home.hostname,
            home.port,
        )
    except ValueError:  # an unparsable port
        same = False
    if not same or target.username is not None or target.password is not None:
        raise Invalid(
            field, "The URL must be on the site's own address", CommerceCode.INVALID_REDIRECT
        )
    return url


async def create_checkout_session(
    session: AsyncSession,
    gateway: PaymentGateway,
    *,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    frontend_url: str,
    provider: PaymentProvider,
    success_url: str | None = None,
    cancel_url: str | None = None,
) -> CheckoutSession:
    """A Checkout Session paying the caller's unpaid order. Raises NotFound (not the caller's),
    Conflict ORDER_NOT_PAYABLE, Invalid INVALID_REDIRECT (success_url / cancel_url)."""
    order = await _lock_own_order(session, user_id, order_id)
    if order.status not in PAYABLE or order.total_minor < 1:
        raise Conflict(
            "order_id", f"The order is {order.status.value}", CommerceCode.ORDER_NOT_PAYABLE
        )
    query = f"?order={order.id}"
    success = redirect_url(
        frontend_url, success_url, field="success_url", default_path="/checkout/success" + query
    )
    cancel = redirect_url(
        frontend_url, cancel_url, field="cancel_url", default_path="/checkout/cancel" + query
    )
    payment = await payment_of(session, order)
    if payment is not None and payment.metadata_.get("checkout_session_id"):
        meta = payment.metadata_
        return CheckoutSession(str(meta["checkout_session_id"]), meta.get("checkout_url"))
    user = await get_user(session, user_id)
    info = await gateway.create_checkout_session(
        order_id=str(order.id),
        lines=checkout_lines(order, await items_of_order(session, order.id)),
        currency=order.currency,
        customer_email=user.email if user is not None else None,
        success_url=success,
        cancel_url=cancel,
        metadata={"order_id": str(order.id), "order_number": str(order.number)},
        idempotency_key=f"order:{order.id}:checkout",
    )
    if payment is None:  # an order without a payment row yet: the session starts one
        payment = _new_payment(order, provider, info.id)
        session.add(payment)
    payment.metadata_ = {
        **payment.metadata_,
        "checkout_session_id": info.id,
        "checkout_url": info.url,
    }
    await session.flush()
    return CheckoutSession(info.id, info.url)


def checkout_lines(order: Order, items: list[OrderItem]) -> list[CheckoutLine]:
    """One line per paid course plus tax; a single order line when they would not add up."""
    lines = [CheckoutLine(i.title, i.total_minor) for i in items if i.total_minor > 0]
    if order.tax_minor > 0:
        lines.append(CheckoutLine("Tax", order.tax_minor))
    if sum(line.amount_minor for line in lines) != order.total_minor:
        return [CheckoutLine(f"Order #{order.number}", order.total_minor)]
    return lines


async def _lock_own_order(session: AsyncSession, user_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = await lock_order(session, order_id)
    if order is None or order.user_id != user_id:
        raise NotFound("Order")
    return order


def _new_payment(order: Order, provider: PaymentProvider, session_id: str) -> Payment:
    return Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider=order.provider or provider,
        provider_payment_id=session_id,
        amount_minor=order.total_minor,
        currency=order.currency,
        status=PaymentStatus.PENDING,
        metadata_={},
    )


# --- webhook -------------------------------------------------------------------------------


async def on_checkout_completed(session: AsyncSession, event: PaymentEvent) -> None:
    """A paid Checkout Session pays its order (by client_reference_id), once."""
    checkout = event_object(event)
    if checkout.get("payment_status") != "paid":
        return
    order_id = uuid_or_none(checkout.get("client_reference_id"))
    order = await lock_order(session, order_id) if order_id is not None else None
    if order is None:
        return
    intent = checkout.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    charge = charge_of(intent, checkout.get("amount_total"), checkout.get("currency"))
    await settle_payment(session, order, charge, provider=event.provider)


register_handler("checkout.session.completed", on_checkout_completed)
