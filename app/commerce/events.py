"""Processing of stored payment-provider events (webhooks), by event type.

The webhook route stores each provider event once (`payment_events`, unique provider id) and
emits `commerce.payment_event`; the worker then calls `handle_payment_event`. Processing is
idempotent: the event row is locked, its handler runs, and `processed_at` is set in the SAME
transaction as the handler's business writes, so a replayed or redelivered event does nothing.
Handlers themselves must converge whatever order events arrive in (e.g. a late `payment_failed`
never un-pays an order). A failing handler rolls back; the failure is recorded on the event row
(attempts, processing_error) and re-raised so the worker retries.

Domains register their handlers with `register_handler(event_type, fn)` when their module is
imported; `ensure_handlers_loaded()` imports every registering module.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.commerce.models import PaymentEvent
from app.db import Database

PAYMENT_EVENT_TOPIC = "commerce.payment_event"

Handler = Callable[[AsyncSession, PaymentEvent], Awaitable[None]]
"""A handler gets the caller's transaction and the locked event row; it never commits."""

EVENT_HANDLERS: dict[str, Handler] = {}

# Modules whose import registers handlers (a missing one is skipped: it may not exist yet).
HANDLER_MODULES: tuple[str, ...] = (
    "app.commerce.orders",
    "app.commerce.refunds",
    "app.commerce.subscriptions",
    "app.commerce.checkout",
)

log = structlog.get_logger(__name__)


def register_handler(event_type: str, handler: Handler) -> Handler:
    """Register `handler` for a provider event type (e.g. "payment_intent.succeeded")."""
    existing = EVENT_HANDLERS.get(event_type)
    if existing is not None and existing is not handler:
        raise ValueError(f"a handler for {event_type!r} is already registered")
    EVENT_HANDLERS[event_type] = handler
    return handler


def ensure_handlers_loaded() -> None:
    for module in HANDLER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def event_object(event: PaymentEvent) -> dict[str, object]:
    """The event's `data.object` (the PaymentIntent, Charge, Subscription …), or {}."""
    data = event.payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else {}


async def event_intent_ids(db: Database, *, payment_event_id: uuid.UUID) -> list[str]:
    """The payment intents a stored event's object is or names (`id`, `payment_intent`)."""
    async with db.session() as session:
        event = await session.get(PaymentEvent, payment_event_id)
    obj = event_object(event) if event is not None else {}
    named = obj.get("payment_intent")
    if isinstance(named, dict):
        named = named.get("id")
    return [v for v in dict.fromkeys((obj.get("id"), named)) if isinstance(v, str) and v]


async def handle_payment_event(db: Database, *, payment_event_id: uuid.UUID) -> bool:
    """Process one stored event; True when this call did the work, False when already done.

    Unknown event types are marked processed (acknowledged, nothing to do). Raises whatever
    the handler raised after recording the failure on the event row.
    """
    ensure_handlers_loaded()
    try:
        async with db.transaction() as session:
            event = await _lock_event(session, payment_event_id)
            if event is None or event.processed_at is not None:
                return False
            handler = EVENT_HANDLERS.get(event.type)
            if handler is not None:
                await handler(session, event)
            event.processed_at = utcnow()
            event.attempts += 1
            event.processing_error = None
            return True
    except Exception as exc:
        await _record_failure(db, payment_event_id, exc)
        raise


async def _lock_event(session: AsyncSession, payment_event_id: uuid.UUID) -> PaymentEvent | None:
    stmt = select(PaymentEvent).where(PaymentEvent.id == payment_event_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def _record_failure(db: Database, payment_event_id: uuid.UUID, exc: Exception) -> None:
    log.warning("payment_event_failed", payment_event_id=str(payment_event_id), error=repr(exc))
    async with db.transaction() as session:
        await session.execute(
            update(PaymentEvent)
            .where(PaymentEvent.id == payment_event_id)
            .values(attempts=PaymentEvent.attempts + 1, processing_error=repr(exc)[:2000])
        )
