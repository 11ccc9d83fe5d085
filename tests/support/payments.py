"""Payment helpers: signed webhook bodies and orders whose local payment intent exists."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.commerce.models import Order, OrderStatus, PaymentEvent, PaymentProvider
from app.db import Database
from app.integrations.payments import sign_payload
from app.integrations.payments_local import LocalGateway, build_event
from app.outbox import OutboxEvent
from app.settings import Settings


def event_body(event_type: str = "payment_intent.succeeded", **obj: Any) -> bytes:
    return json.dumps(build_event(event_type, {"object": "payment_intent", **obj})).encode()


def signed_headers(settings: Settings, body: bytes, **kw: Any) -> dict[str, str]:
    return {"Stripe-Signature": sign_payload(settings, body, **kw)}


async def stored_counts(database: Database) -> tuple[int, int]:
    """(payment_events rows, outbox rows of topic commerce.payment_event)."""
    async with database.session() as session:
        events = await session.scalar(select(func.count()).select_from(PaymentEvent))
        outbox = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == "commerce.payment_event")
        )
    return int(events or 0), int(outbox or 0)


async def order_with_intent(
    database: Database, gateway: LocalGateway, owner: User, *, total_minor: int = 4900
) -> Order:
    """A requires_payment order whose local payment intent exists (what ORDERS' checkout makes)."""
    order_id = uuid.uuid4()
    intent = await gateway.create_payment_intent(
        amount_minor=total_minor,
        currency="USD",
        customer_id=None,
        metadata={"order_id": str(order_id)},
        idempotency_key=f"order:{order_id}:intent",
    )
    async with database.transaction() as session:
        order = Order(
            id=order_id,
            user_id=owner.id,
            status=OrderStatus.REQUIRES_PAYMENT,
            subtotal_minor=total_minor,
            total_minor=total_minor,
            currency="USD",
            provider=PaymentProvider.LOCAL,
            payment_intent_id=intent.id,
        )
        session.add(order)
    return order
