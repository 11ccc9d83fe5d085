"""Commerce actors: processing a stored payment-provider event, and a paid order's receipt.

`process_payment_event` is routed from "commerce.payment_event" (written by the webhook route in
the same transaction as the `payment_events` row): it processes the event, then issues the
refunds its payment was held for (app.commerce.auto_refunds: a course owned already, an order
paid twice). `send_order_receipt` is routed from "commerce.order_paid". Both are idempotent (see
app.commerce.events / auto_refunds / invoices), so a redelivered message does nothing; failures
are retried with backoff (a retry of the first finds the event done and issues what is left).
"""

from __future__ import annotations

import uuid

import dramatiq

from app.commerce import invoices
from app.commerce.auto_refunds import issue_held_refunds
from app.commerce.events import event_intent_ids, handle_payment_event
from app.integrations.payments import make_gateway
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


async def process_event(payment_event_id: str) -> bool:
    """The actor's body, callable in-process (tests, the CLI)."""
    runtime = get_runtime()
    event_id = uuid.UUID(payment_event_id)
    done = await handle_payment_event(runtime.db, payment_event_id=event_id)
    intents = await event_intent_ids(runtime.db, payment_event_id=event_id)
    if intents:
        gateway = make_gateway(runtime.settings, redis=runtime.redis)
        await issue_held_refunds(runtime.db, gateway, runtime.settings, intent_ids=intents)
    return done


async def send_receipt(order_id: str) -> bool:
    runtime = get_runtime()
    return await invoices.send_receipt(
        runtime.db, runtime.storage, runtime.settings, order_id=uuid.UUID(order_id)
    )


@dramatiq.actor(max_retries=MAX_RETRIES)
async def process_payment_event(payment_event_id: str) -> None:
    await process_event(payment_event_id)


@dramatiq.actor(max_retries=MAX_RETRIES)
async def send_order_receipt(order_id: str) -> None:
    await send_receipt(order_id)
