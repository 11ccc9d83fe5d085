"""The embedded payments backend: behaves like Stripe in test mode, objects kept in Redis.

Objects are Stripe-shaped JSON under ``payments:local:obj:<id>`` (ids ``pi_local_…``,
``re_local_…``, ``cus_local_…``, ``sub_local_…``); an idempotency key maps to the object its first
call created for 24 hours (``payments:local:idem:<key>``), and replaying it with different
parameters is refused like Stripe's `idempotency_error`. Intents start ``requires_payment_method``;
`complete_intent` (used by `confirm_test_payment`) settles them. Refunds need a succeeded intent and
never exceed its amount, also under concurrency (an atomic counter per intent). Subscriptions start
``active`` for 30 days (365 with metadata ``interval=year``). Checkout Sessions (``cs_local_…``)
open at ``{FRONTEND_URL}/checkout/local?session=<id>``. The local backend sends no webhooks by
itself: `confirm_test_payment` builds, signs and delivers the payment event (`build_event`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from app.accounts.models import UserRole
from app.commerce.errors import CommerceCode
from app.commerce.models import Order, OrderStatus
from app.db import Database
from app.errors import Conflict, Forbidden, NotFound
from app.http.webhooks import receive_webhook
from app.integrations.payments import (
    CheckoutInfo,
    CheckoutLine,
    IntentInfo,
    PaymentGateway,
    PaymentProviderError,
    RefundInfo,
    SubscriptionInfo,
    sign_payload,
    subscription_info,
    verify_webhook,
)
from app.security.permissions import Actor
from app.settings import Settings

PREFIX = "payments:local:"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
DAY = 24 * 3600
API_VERSION = "2025-local"


def _id(prefix: str) -> str:
    return f"{prefix}_local_{uuid.uuid4().hex[:24]}"


def _fingerprint(operation: str, params: dict[str, Any]) -> str:
    body = json.dumps([operation, params], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _missing(what: str, object_id: str) -> PaymentProviderError:
    return PaymentProviderError(f"No such {what}: '{object_id}'", provider_code="resource_missing")


def build_event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A Stripe-shaped event around `obj` with a fresh id (``evt_local_…``)."""
    return {
        "id": _id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


class LocalGateway:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis

    # --- storage -----------------------------------------------------------------------------

    async def get_object(self, object_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(PREFIX + "obj:" + object_id)
        return json.loads(raw) if raw is not None else None

    async def _put(self, obj: dict[str, Any]) -> None:
        await self.redis.set(PREFIX + "obj:" + obj["id"], json.dumps(obj))

    async def _once(
        self,
        key: str,
        operation: str,
        params: dict[str, Any],
        create: Callable[[], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        """The object created for idempotency `key`: the first call creates it, replays read it.

        The key is claimed before the work (like Stripe): a concurrent call with the same key
        gets the retryable `idempotency_key_in_use`; a failed first call frees the key.
        """
        fingerprint = _fingerprint(operation, params)
        slot = PREFIX + "idem:" + key
        claim = json.dumps({"fingerprint": fingerprint, "id": None})
        if await self.redis.set(slot, claim, nx=True, ex=IDEMPOTENCY_TTL_SECONDS):
            try:
                obj = await create()
            except BaseException:
                await self.redis.delete(slot)
                raise
            record = json.dumps({"fingerprint": fingerprint, "id": obj["id"]})
            await self.redis.set(slot, record, ex=IDEMPOTENCY_TTL_SECONDS)
            return obj
        return await self._replay(slot, fingerprint)

    async def _replay(self, slot: str, fingerprint: str) -> dict[str, Any]:
        raw = await self.redis.get(slot)
        record = json.loads(raw) if raw is not None else {"fingerprint": fingerprint, "id": None}
        if record["fingerprint"] != fingerprint:
            raise PaymentProviderError(
                "Keys for idempotent requests can only be used with the same parameters",
                provider_code="idempotency_error",
            )
        stored = await self.get_object(record["id"]) if record["id"] else None
        if stored is None:
            raise PaymentProviderError(
                "Another request with the same idempotency key is in progress",
                provider_code="idempotency_key_in_use",
                retryable=True,
            )
        return stored

    # --- payment intents ---------------------------------------------------------------------

    async def create_payment_intent(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer_id: str | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentInfo:
        if amount_minor < 1:
            raise PaymentProviderError(
                "Amount must be at least 1 minor unit", provider_code="amount_too_small"
            )
        params = {"amount": amount_minor, "currency": currency.lower(), "customer": customer_id}
        params_all = {**params, "metadata": metadata}

        async def create() -> dict[str, Any]:
            intent_id = _id("pi")
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                **params,
                "amount_received": 0,
                "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
                "status": "requires_payment_method",
                "metadata": metadata,
                "created": int(time.time()),
                "livemode": False,
                "payment_method_types": ["card"],
                "latest_charge": None,
                "last_payment_error": None,
            }
            await self._put(intent)
            return intent

        intent = await self._once(idempotency_key, "intent", params_all, create)
        return IntentInfo(
            id=intent["id"],
            client_secret=intent["client_secret"],
            status=intent["status"],
            amount_minor=intent["amount"],
            currency=intent["currency"].upper(),
        )

    async def complete_intent(self, intent_id: str, *, succeeded: bool) -> dict[str, Any]:
        """Settle an intent as the customer's card would (test mode): succeeded, or declined."""
        intent = await self.get_object(intent_id)
        if intent is None or intent.get("object") != "payment_intent":
            raise _missing("payment_intent", intent_id)
        if intent["status"] == "succeeded":
            raise PaymentProviderError(
                "This PaymentIntent has already succeeded",
                provider_code="payment_intent_unexpected_state",
            )
        if succeeded:
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=_id("ch"),
                last_payment_error=None,
            )
        else:
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined.",
                },
            )
        await self._put(intent)
        return intent

    # --- refunds -----------------------------------------------------------------------------

    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundInfo:
        params = {"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata}

        async def create() -> dict[str, Any]:
            intent = await self.get_object(payment_intent_id)
            if intent is None or intent.get("object") != "payment_intent":
                raise _missing("payment_intent", payment_intent_id)
            if intent["status"] != "succeeded":
                raise PaymentProviderError(
                    "This PaymentIntent has no successful charge to refund",
                    provider_code="charge_not_refundable",
                )
            await self._reserve_refund(intent, amount_minor)
            refund = {
                "id": _id("re"),
                "object": "refund",
                "amount": amount_minor,
                "currency": intent["currency"],
                "payment_intent": payment_intent_id,
                "charge": intent.get("latest_charge"),
                "status": "succeeded",
                "metadata": metadata,
                "created": int(time.time()),
            }
            await self._put(refund)
            return refund

        refund = await self._once(idempotency_key, "refund", params, create)
        return RefundInfo(id=refund["id"], status=refund["status"], amount_minor=refund["amount"])

    async def _reserve_refund(self, intent: dict[str, Any], amount_minor: int) -> None:
        if amount_minor < 1:
            raise PaymentProviderError(
                "Refund amount must be positive", provider_code="amount_too_small"
            )
        counter = PREFIX + "refunded:" + intent["id"]
        total = int(await self.redis.incrby(counter, amount_minor))
        if total > intent["amount"]:
            await self.redis.decrby(counter, amount_minor)
            raise PaymentProviderError(
                "Refund amount is greater than the unrefunded amount of the charge",
                provider_code="amount_too_large",
            )

    # --- customers and subscriptions ---------------------------------------------------------

    async def ensure_customer(
        self, *, user_id: str, email: str, name: str, idempotency_key: str
    ) -> str:
        params = {"email": email, "name": name, "user_id": user_id}

        async def create() -> dict[str, Any]:
            customer = {
                "id": _id("cus"),
                "object": "customer",
                "email": email,
                "name": name,
                "metadata": {"user_id": user_id},
                "created": int(time.time()),
            }
            await self._put(customer)
            return customer

        customer = await self._once(idempotency_key, "customer", params, create)
        return str(customer["id"])

    async def create_subscription(
        self, *, customer_id: str, price_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SubscriptionInfo:
        params = {"customer": customer_id, "price": price_id, "metadata": metadata}

        async def create() -> dict[str, Any]:
            if await self.get_object(customer_id) is None:
                raise _missing("customer", customer_id)
            now = int(time.time())
            days = 365 if metadata.get("interval") == "year" else 30
            sub = {
                "id": _id("sub"),
                "object": "subscription",
                "customer": customer_id,
                "status": "active",
                "items": {"data": [{"price": {"id": price_id}}]},
                "current_period_start": now,
                "current_period_end": now + days * DAY,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "ended_at": None,
                "metadata": metadata,
                "created": now,
            }
            await self._put(sub)
            return sub

        return subscription_info(await self._once(idempotency_key, "subscription", params, create))

    async def cancel_subscription(
        self, *, subscription_id: str, at_period_end: bool, idempotency_key: str
    ) -> SubscriptionInfo:
        params = {"subscription": subscription_id, "at_period_end": at_period_end}

        async def cancel() -> dict[str, Any]:
            sub = await self.get_object(subscription_id)
            if sub is None or sub.get("object") != "subscription":
                raise _missing("subscription", subscription_id)
            now = int(time.time())
            if at_period_end:
                sub["cancel_at_period_end"] = True
            else:
                sub.update(status="canceled", canceled_at=now, ended_at=now)
            await self._put(sub)
            return sub

        return subscription_info(await self._once(idempotency_key, "cancel", params, cancel))

    # --- checkout sessions -------------------------------------------------------------------

    async def create_checkout_session(
        self,
        *,
        order_id: str,
        lines: Sequence[CheckoutLine],
        currency: str,
        customer_email: str | None,
        success_url: str,
        cancel_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> CheckoutInfo:
        params = {
            "order_id": order_id,
            "lines": [[line.name, line.amount_minor] for line in lines],
            "currency": currency.lower(),
            "customer_email": customer_email,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
        }

        async def create() -> dict[str, Any]:
            session_id = _id("cs")
            frontend = self.settings.frontend_url.rstrip("/")
            checkout = {
                "id": session_id,
                "object": "checkout.session",
                "mode": "payment",
                "status": "open",
                "payment_status": "unpaid",
                "url": f"{frontend}/checkout/local?session={session_id}",
                "client_reference_id": order_id,
                "amount_total": sum(line.amount_minor for line in lines),
                "currency": currency.lower(),
                "customer_email": customer_email,
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": metadata,
                "payment_intent": None,
                "created": int(time.time()),
                "livemode": False,
            }
            await self._put(checkout)
            await self.redis.set(PREFIX + "checkout-of:" + order_id, session_id)
            return checkout

        found = await self._once(idempotency_key, "checkout", params, create)
        return CheckoutInfo(id=found["id"], url=found["url"], status=found["status"])

    async def complete_checkout_session(
        self, order_id: str, intent: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The order's open Checkout Session, now complete and paid by `intent` (None: none)."""
        session_id = await self.redis.get(PREFIX + "checkout-of:" + order_id)
        found = await self.get_object(_text(session_id)) if session_id else None
        if found is None or found["status"] != "open":
            return None
        found.update(status="complete", payment_status="paid", payment_intent=intent["id"])
        await self._put(found)
        return found

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        return verify_webhook(self.settings, payload, signature)


# --- confirm_test_payment ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentConfirmation:
    event_id: str
    event_type: str
    payment_intent_id: str
    duplicate: bool


def sandbox_enabled(settings: Settings) -> bool:
    return settings.payments_backend == "local" and not settings.is_production


async def _payable_order(db: Database, *, order_id: uuid.UUID, actor: Actor) -> Order:
    async with db.session() as session:
        order = await session.get(Order, order_id)
    if order is None or (order.user_id != actor.id and actor.role != UserRole.ADMIN):
        raise NotFound("Order")
    if order.payment_intent_id is None:
        raise Conflict(
            "order_id", "The order has no payment to confirm", CommerceCode.ORDER_HAS_NO_PAYMENT
        )
    if order.status not in (OrderStatus.PENDING, OrderStatus.REQUIRES_PAYMENT):
        raise Conflict(
            "order_id", f"The order is {order.status.value}", CommerceCode.ORDER_NOT_PAYABLE
        )
    return order


async def confirm_test_payment(
    db: Database,
    settings: Settings,
    gateway: PaymentGateway,
    *,
    actor: Actor,
    order_id: uuid.UUID,
    succeeded: bool,
) -> PaymentConfirmation:
    """Settle the order's local payment intent and deliver the signed event to the webhook route.

    Development only (local backend, not production; FORBIDDEN otherwise): the customer's card
    "pays" or is declined, and the event Stripe would send goes through the same verification
    and storage as a real delivery (`app.http.webhooks.receive_webhook`), so the worker
    processes it like any other. An order paid through an open Checkout Session gets
    `checkout.session.completed` instead. The buyer or an admin may confirm; a refusal of the
    stand-in provider is a user error with its `PaymentProviderError.user_code`.
    """
    if not sandbox_enabled(settings) or not isinstance(gateway, LocalGateway):
        raise Forbidden("Test payments need the local payments backend outside production")
    order = await _payable_order(db, order_id=order_id, actor=actor)
    intent_id = str(order.payment_intent_id)
    try:
        intent = await gateway.complete_intent(intent_id, succeeded=succeeded)
    except PaymentProviderError as exc:
        raise Conflict("order_id", exc.message, exc.user_code) from exc
    event_type = "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed"
    checkout = await gateway.complete_checkout_session(str(order.id), intent) if succeeded else None
    if checkout is not None:
        event_type, intent = "checkout.session.completed", checkout
    payload = json.dumps(build_event(event_type, intent)).encode()
    receipt = await receive_webhook(db, settings, payload, sign_payload(settings, payload))
    if receipt.outcome == "invalid":  # our own signature: only a misconfiguration gets here
        raise RuntimeError(f"the webhook route refused a local event: {receipt.reason}")
    return PaymentConfirmation(
        event_id=str(receipt.event_id),
        event_type=event_type,
        payment_intent_id=intent_id,
        duplicate=receipt.outcome == "duplicate",
    )
