"""Outbound webhook actors: fan an event out to its webhooks, and make one delivery attempt.

A failed attempt's next attempt is written to the outbox, due after the delivery's backoff
(exponential, recorded as its `next_attempt_at`), in the transaction that records the failure;
the relay hands it back to `deliver_webhook`. An attempt's message that comes again (a
redelivered job) finds that attempt recorded and does nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import dramatiq

from app.webhooks.delivery import deliver, fan_out
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


@dramatiq.actor(max_retries=MAX_RETRIES)
async def fan_out_webhook_event(event_id: str, payload: dict[str, Any]) -> None:
    """One delivery per subscribed webhook; queues the first attempt of each."""
    runtime = get_runtime()
    for delivery_id in await fan_out(runtime.db, uuid.UUID(event_id), payload):
        deliver_webhook.send(str(delivery_id), 0)


@dramatiq.actor(max_retries=MAX_RETRIES)
async def deliver_webhook(delivery_id: str, attempt: int = 0) -> None:
    runtime = get_runtime()
    await deliver(
        runtime.db, runtime.redis, runtime.settings, uuid.UUID(delivery_id), attempt=attempt
    )
