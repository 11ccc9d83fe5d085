"""The payment provider behind one small interface: Stripe, or an embedded stand-in for development.

`PaymentGateway` is what the commerce services call. Every call takes an idempotency key the
caller derives from its own ids (e.g. ``f"order:{order_id}:intent"``), so a retried request never
charges, refunds or subscribes twice: Stripe (and the local stand-in) answer a replayed key with
the object the first call created. Provider failures raise `PaymentProviderError` (a typed domain
error with the provider's code and whether a retry may help; `user_code` maps the refusals a
caller can act on onto a fixed set of CommerceCode members).

- `StripeGateway` (PAYMENTS_BACKEND=stripe) uses the official `stripe` library (`StripeClient`,
  sync HTTP in a worker thread so no extra async HTTP dependency is needed); `STRIPE_API_BASE`
  points it at another host (the tests' stand-in server).
- `LocalGateway` (payments_local.py, the default) behaves like Stripe test mode and keeps its
  objects in Redis.

Webhooks from either backend are signed with Stripe's scheme (``Stripe-Signature: t=…,v1=…``,
HMAC-SHA256 of ``"{t}.{body}"``) and verified by `verify_webhook` with the library's
`stripe.WebhookSignature.verify_header`, refusing timestamps further than
WEBHOOK_TOLERANCE_SECONDS from now in either direction and bodies that are not events.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import stripe

from app.clock import utcnow
from app.commerce.errors import CommerceCode
from app.errors import DomainError, Failure
from app.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

T = TypeVar("T")


# Provider error codes (Stripe's, which the local backend also uses) a caller can act on; every
# other refusal is PAYMENT_REFUSED. A provider code never reaches the API as a code of its own.
SETTLED_CODES = frozenset(
    {"payment_intent_unexpected_state", "charge_already_refunded", "charge_already_captured"}
)
UNKNOWN_CODES = frozenset({"resource_missing"})


class PaymentProviderError(DomainError):
    """The provider refused or could not be reached; `provider_code` is its error code."""

    code = Failure.PAYMENT_PROVIDER_ERROR

    def __init__(self, message: str, *, provider_code: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.provider_code = provider_code
        self.retryable = retryable

    @property
    def user_code(self) -> CommerceCode:
        """The provider's refusal as one of the documented codes a caller can fix or explain:
        PAYMENT_ALREADY_SETTLED, PAYMENT_UNKNOWN, else PAYMENT_REFUSED."""
        if self.provider_code in SETTLED_CODES:
            return CommerceCode.PAYMENT_ALREADY_SETTLED
        if self.provider_code in UNKNOWN_CODES:
            return CommerceCode.PAYMENT_UNKNOWN
        return CommerceCode.PAYMENT_REFUSED


class InvalidWebhook(Exception):
    """A webhook whose signature, timestamp or body does not verify."""


@dataclass(frozen=True)
class IntentInfo:
    id: str
    client_secret: str | None
    status: str
    amount_minor: int
    currency: str  # upper-case ISO 4217


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount_minor: int


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    status: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    client_secret: str | None


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    amount_minor: int  # one unit, quantity 1


@dataclass(frozen=True)
class CheckoutInfo:
    id: str
    url: str | None
    status: str  # open | complete | expired


class PaymentGateway(Protocol):
    async def create_payment_intent(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer_id: str | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentInfo: ...

    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundInfo: ...

    async def ensure_customer(
        self, *, user_id: str, email: str, name: str, idempotency_key: str
    ) -> str: ...

    async def create_subscription(
        self, *, customer_id: str, price_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SubscriptionInfo: ...

    async def cancel_subscription(
        self, *, subscription_id: str, at_period_end: bool, idempotency_key: str
    ) -> SubscriptionInfo: ...

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
    ) -> CheckoutInfo: ...

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]: ...


# --- webhook signatures --------------------------------------------------------------------


def webhook_secret(settings: Settings) -> str:
    """STRIPE_WEBHOOK_SECRET, or (development) a secret derived from SECRET_KEY."""
    if settings.stripe_webhook_secret:
        return settings.stripe_webhook_secret
    digest = hmac.new(settings.secret_key.encode(), b"stripe-webhook", hashlib.sha256)
    return "whsec_" + digest.hexdigest()


def sign_payload(settings: Settings, payload: bytes, *, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send for `payload` (used by the local backend)."""
    return str(
        stripe.WebhookSignature.generate_signature_header(
            payload.decode("utf-8"), webhook_secret(settings), timestamp=timestamp
        )
    )


NOT_AN_EVENT = "the body is not an event"


def verify_webhook(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event of a correctly signed webhook body whose timestamp is within
    WEBHOOK_TOLERANCE_SECONDS of now (`app.clock.utcnow`), in the past or the future;
    `InvalidWebhook` otherwise, with one of a few fixed reasons (never an exception's text)."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, webhook_secret(settings))
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise InvalidWebhook("the signature does not verify") from exc
    if abs(utcnow().timestamp() - _signed_at(signature)) > settings.webhook_tolerance_seconds:
        raise InvalidWebhook("the timestamp is outside the tolerance")
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise InvalidWebhook(NOT_AN_EVENT) from exc
    if not is_event(event):
        raise InvalidWebhook(NOT_AN_EVENT)
    return event  # type: ignore[no-any-return]


def _signed_at(signature: str | None) -> int:
    """The (first) `t=` timestamp of a header `verify_header` accepted: an integer."""
    stamps = [part[2:] for part in (signature or "").split(",") if part.startswith("t=")]
    return int(stamps[0])


def is_event(value: object) -> bool:
    """A provider event: a JSON object with a string id and type and a `data.object` object."""
    if not isinstance(value, dict):
        return False
    data = value.get("data")
    return (
        isinstance(value.get("id"), str)
        and 0 < len(value["id"]) <= 255
        and isinstance(value.get("type"), str)
        and 0 < len(value["type"]) <= 100
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


# --- Stripe --------------------------------------------------------------------------------


def _provider_error(exc: stripe.StripeError) -> PaymentProviderError:
    status = exc.http_status or 0
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or status >= 500
    code = exc.code or type(exc).__name__
    return PaymentProviderError(
        exc.user_message or str(exc) or "payment provider error",
        provider_code=code,
        retryable=retryable,
    )


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def subscription_info(sub: Mapping[str, Any]) -> SubscriptionInfo:
    """SubscriptionInfo of a Stripe subscription object (periods live on its items since 2025)."""
    items = (sub.get("items") or {}).get("data") or [{}]
    start = sub.get("current_period_start") or items[0].get("current_period_start")
    end = sub.get("current_period_end") or items[0].get("current_period_end")
    invoice = sub.get("latest_invoice")
    secret = None
    if isinstance(invoice, Mapping):
        confirmation = invoice.get("confirmation_secret") or {}
        intent = invoice.get("payment_intent") or {}
        secret = confirmation.get("client_secret") or (
            intent.get("client_secret") if isinstance(intent, Mapping) else None
        )
    return SubscriptionInfo(
        id=str(sub["id"]),
        status=str(sub["status"]),
        current_period_start=_timestamp(start),
        current_period_end=_timestamp(end),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
        client_secret=secret,
    )


class StripeGateway:
    """The Stripe API through the official library; blocking calls run in a worker thread."""

    def __init__(self, settings: Settings) -> None:
        base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
        self.settings = settings
        self.client = stripe.StripeClient(
            settings.stripe_secret_key or "sk_test_missing",
            base_addresses=base,  # type: ignore[arg-type]
            max_network_retries=2,  # safe: every call carries an idempotency key
        )

    async def _call(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc

    async def create_payment_intent(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer_id: str | None,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentInfo:
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "metadata": metadata,
            "automatic_payment_methods": {"enabled": True},
        }
        if customer_id:
            params["customer"] = customer_id
        intent = await self._call(
            lambda: self.client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return IntentInfo(
            id=intent.id,
            client_secret=intent.client_secret,
            status=intent.status,
            amount_minor=intent.amount,
            currency=intent.currency.upper(),
        )

    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundInfo:
        params = {"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata}
        refund = await self._call(
            lambda: self.client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return RefundInfo(id=refund.id, status=str(refund.status), amount_minor=refund.amount)

    async def ensure_customer(
        self, *, user_id: str, email: str, name: str, idempotency_key: str
    ) -> str:
        params = {"email": email, "name": name, "metadata": {"user_id": user_id}}
        customer = await self._call(
            lambda: self.client.v1.customers.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return str(customer.id)

    async def create_subscription(
        self, *, customer_id: str, price_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SubscriptionInfo:
        params = {
            "customer": customer_id,
            "items": [{"price": price_id}],
            "metadata": metadata,
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.confirmation_secret"],
        }
        sub = await self._call(
            lambda: self.client.v1.subscriptions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return subscription_info(sub.to_dict())

    async def cancel_subscription(
        self, *, subscription_id: str, at_period_end: bool, idempotency_key: str
    ) -> SubscriptionInfo:
        options: Any = {"idempotency_key": idempotency_key}
        subs = self.client.v1.subscriptions
        if at_period_end:
            sub = await self._call(
                lambda: subs.update(subscription_id, {"cancel_at_period_end": True}, options)
            )
        else:
            sub = await self._call(lambda: subs.cancel(subscription_id, None, options))
        return subscription_info(sub.to_dict())

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
        params = checkout_params(
            order_id=order_id,
            lines=lines,
            currency=currency,
            customer_email=customer_email,
            success_url=success_url,
            cancel_url=cancel_url,
            metadata=metadata,
        )
        created = await self._call(
            lambda: self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return CheckoutInfo(id=created.id, url=created.url, status=str(created.status))

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        return verify_webhook(self.settings, payload, signature)


def checkout_params(
    *,
    order_id: str,
    lines: Sequence[CheckoutLine],
    currency: str,
    customer_email: str | None,
    success_url: str,
    cancel_url: str,
    metadata: dict[str, str],
) -> dict[str, Any]:
    """Stripe's parameters of a one-off Checkout Session paying order `order_id`."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": line.amount_minor,
                    "product_data": {"name": line.name},
                },
                "quantity": 1,
            }
            for line in lines
        ],
        "client_reference_id": order_id,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }
    if customer_email:
        params["customer_email"] = customer_email
    return params


def make_gateway(settings: Settings, *, redis: Redis | None = None) -> PaymentGateway:
    """The configured gateway; the local backend keeps its objects in `redis` (required)."""
    if settings.payments_backend == "stripe":
        return StripeGateway(settings)
    if redis is None:
        raise ValueError("the local payments backend needs a Redis client")
    from app.integrations.payments_local import LocalGateway

    return LocalGateway(settings, redis)
