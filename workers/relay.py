"""The worker's outbox relay: hands committed outbox events to their Dramatiq actors.

Each topic maps to one route that enqueues the actor's message. The Dramatiq message id is the
outbox event id (also in the `outbox_event_id` option), so a redelivered event is recognisable;
the actors themselves are idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dramatiq

from app.accounts.data_export import EXPORT_TOPIC
from app.accounts.erasure import ERASE_TOPIC
from app.admin.jobs import RETRY_JOB_TOPIC
from app.analytics.event_export import EXPORT_TOPIC as EVENT_EXPORT_TOPIC
from app.analytics.reports import BUILD_REPORT
from app.catalog.rules import CATEGORY_CHANGED, COURSE_CHANGED
from app.commerce.events import PAYMENT_EVENT_TOPIC
from app.commerce.orders import ORDER_PAID
from app.learning.certificates import COURSE_COMPLETED
from app.live import LIVE_TOPIC, relay_publish
from app.media.video import VIDEO_PROCESS
from app.notifications.push import PUSH_TOPIC
from app.notifications.service import EMAIL_TOPIC
from app.outbox import OutboxEvent, run_relay
from app.webhooks.events import WEBHOOK_TOPIC
from app.webhooks.service import DELIVER_TOPIC
from workers.analytics import build_analytics_report
from workers.analytics_events import export_learning_events
from workers.catalog import category_changed
from workers.certificates import issue_certificate
from workers.commerce import process_payment_event, send_order_receipt
from workers.dead_letters import enqueue_retry
from workers.email import send_email
from workers.media import process_video
from workers.privacy import build_data_export, erase_account
from workers.push import send_push
from workers.runtime import close_runtime, get_runtime
from workers.search import reindex_course
from workers.webhooks import deliver_webhook, fan_out_webhook_event


class UnknownTopic(LookupError):
    """An outbox event whose topic no route handles (it is retried with backoff, and logged)."""


def enqueue(actor: dramatiq.Actor[Any, Any], event: OutboxEvent, *args: Any) -> None:
    message = actor.message(*args).copy(
        message_id=str(event.id), options={"outbox_event_id": str(event.id)}
    )
    actor.broker.enqueue(message)


ROUTES: dict[str, Callable[[OutboxEvent], None]] = {
    EMAIL_TOPIC: lambda event: enqueue(send_email, event, event.payload["email_id"]),
    COURSE_CHANGED: lambda event: enqueue(reindex_course, event, event.payload["course_id"]),
    CATEGORY_CHANGED: lambda event: enqueue(category_changed, event, event.payload["category_id"]),
    COURSE_COMPLETED: lambda e: enqueue(issue_certificate, e, e.payload["enrollment_id"]),
    PAYMENT_EVENT_TOPIC: lambda e: enqueue(process_payment_event, e, e.payload["payment_event_id"]),
    ORDER_PAID: lambda e: enqueue(send_order_receipt, e, e.payload["order_id"]),
    PUSH_TOPIC: lambda e: enqueue(send_push, e, e.payload["notification_id"]),
    VIDEO_PROCESS: lambda e: enqueue(process_video, e, e.payload["video_id"]),
    WEBHOOK_TOPIC: lambda e: enqueue(fan_out_webhook_event, e, str(e.id), e.payload),
    DELIVER_TOPIC: lambda e: enqueue(
        deliver_webhook, e, e.payload["delivery_id"], e.payload["attempt"]
    ),
    RETRY_JOB_TOPIC: lambda e: enqueue_retry(dramatiq.get_broker(), e),
    BUILD_REPORT: lambda e: enqueue(build_analytics_report, e, e.payload["report_id"]),
    EXPORT_TOPIC: lambda e: enqueue(build_data_export, e, e.payload["export_id"]),
    ERASE_TOPIC: lambda e: enqueue(erase_account, e, e.payload["deletion_id"]),
    EVENT_EXPORT_TOPIC: lambda e: enqueue(export_learning_events, e, e.payload["export_id"]),
}


async def dispatch(event: OutboxEvent) -> None:
    if event.topic == LIVE_TOPIC:  # published from here; no actor in between
        await relay_publish(get_runtime().redis, event)
        return
    route = ROUTES.get(event.topic)
    if route is None:
        raise UnknownTopic(f"no route for outbox topic {event.topic!r}")
    await asyncio.to_thread(route, event)


async def relay_loop(stop: asyncio.Event, *, interval: float = 0.25) -> None:
    """Run the relay on this event loop until `stop` is set (the loop's runtime stays open)."""
    runtime = get_runtime()
    retention = timedelta(days=runtime.settings.outbox_retention_days)
    await run_relay(runtime.db, dispatch, stop=stop, interval=interval, retention=retention)


async def relay_until(stop: asyncio.Event, *, interval: float = 0.25) -> None:
    """`relay_loop`, then close this event loop's connections."""
    try:
        await relay_loop(stop, interval=interval)
    finally:
        await close_runtime()
