"""`POST /webhooks/stripe`: payment provider events, verified, stored once, processed by a worker.

The raw body (at most MAX_BODY_BYTES, counted while streaming) is verified with the
`Stripe-Signature` header (`app.integrations.payments.verify_webhook`). A verified event is
inserted into `payment_events` (unique `provider_event_id`) together with the outbox event
"commerce.payment_event" {"payment_event_id"} in ONE transaction, then acknowledged with 200; the
worker does the business work. A redelivered event id is acknowledged 200 with no new row and no
new outbox event — also when two deliveries race (INSERT … ON CONFLICT DO NOTHING). A bad
signature, a timestamp outside the tolerance (old or in the future) or a body that is not an event:
400 with a fixed reason and nothing stored; too large: 413.
Every outcome counts in `easyways_webhooks_total{provider="stripe", outcome}`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.commerce.models import PaymentEvent, PaymentProvider
from app.db import Database
from app.ids import new_id
from app.integrations.payments import InvalidWebhook, verify_webhook
from app.metrics import WEBHOOKS
from app.outbox import emit
from app.settings import Settings

MAX_BODY_BYTES = 256 * 1024
TOPIC = "commerce.payment_event"


@dataclass(frozen=True)
class WebhookReceipt:
    """What happened to one delivery: `outcome` is accepted, duplicate or invalid."""

    outcome: str
    event_id: str | None = None
    payment_event_id: uuid.UUID | None = None
    reason: str | None = None

    @property
    def status_code(self) -> int:
        return 400 if self.outcome == "invalid" else 200


def provider_of(settings: Settings) -> PaymentProvider:
    return (
        PaymentProvider.STRIPE if settings.payments_backend == "stripe" else PaymentProvider.LOCAL
    )


async def store_event(db: Database, settings: Settings, event: dict[str, Any]) -> WebhookReceipt:
    """Insert the event and its outbox message in one transaction, unless its id is known."""
    async with db.transaction() as session:
        stmt = (
            insert(PaymentEvent)
            .values(
                id=new_id(),
                provider=provider_of(settings),
                provider_event_id=str(event["id"])[:255],
                type=str(event["type"])[:100],
                payload=event,
            )
            .on_conflict_do_nothing(index_elements=[PaymentEvent.provider_event_id])
            .returning(PaymentEvent.id)
        )
        stored = (await session.execute(stmt)).scalar_one_or_none()
        if stored is None:
            return WebhookReceipt("duplicate", event_id=str(event["id"]))
        await emit(session, TOPIC, {"payment_event_id": str(stored)})
    return WebhookReceipt("accepted", event_id=str(event["id"]), payment_event_id=stored)


async def receive_webhook(
    db: Database, settings: Settings, payload: bytes, signature: str | None
) -> WebhookReceipt:
    """Verify one delivery and store it (the route's work, also used by `confirm_test_payment`)."""
    try:
        event = verify_webhook(settings, payload, signature)
    except InvalidWebhook as exc:
        receipt = WebhookReceipt("invalid", reason=str(exc))
    else:
        receipt = await store_event(db, settings, event)
    WEBHOOKS.labels(provider="stripe", outcome=receipt.outcome).inc()
    return receipt


async def _read_body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def stripe_webhook(request: Request) -> Response:
    body = await _read_body(request)
    if body is None:
        WEBHOOKS.labels(provider="stripe", outcome="too_large").inc()
        return JSONResponse({"error": "payload too large"}, status_code=413)
    state = request.app.state
    receipt = await receive_webhook(
        state.db, state.settings, body, request.headers.get("stripe-signature")
    )
    if receipt.outcome == "invalid":
        return JSONResponse({"error": receipt.reason or "invalid webhook"}, status_code=400)
    return JSONResponse({"received": True, "duplicate": receipt.outcome == "duplicate"})


def webhook_routes() -> list[Route]:
    return [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
