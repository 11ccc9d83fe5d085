"""What other domains call: one function per webhook event, in the caller's transaction.

Each writes one outbox row (topic WEBHOOK_TOPIC) with the event's name, when it happened and the
ids of its objects — only while some active webhook subscribes to the event (one indexed EXISTS
otherwise, nothing written). The worker's fan-out turns the row into one delivery per matching
webhook after the commit; a rolled-back change emits nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.outbox import emit
from app.webhooks import repo
from app.webhooks.models import WebhookEvent

WEBHOOK_TOPIC = "webhooks.event"


async def emit_event(
    session: AsyncSession,
    event: WebhookEvent,
    *,
    course_id: uuid.UUID | None = None,
    **ids: uuid.UUID | str | int | None,
) -> None:
    if not await repo.any_active_subscriber(session, event):
        return
    data: dict[str, Any] = {
        key: str(value) if isinstance(value, uuid.UUID) else value for key, value in ids.items()
    }
    payload = {
        "event": str(event),
        "occurred_at": utcnow().isoformat(),
        "course_id": str(course_id) if course_id is not None else None,
        "data": data,
    }
    await emit(session, WEBHOOK_TOPIC, payload)


async def user_registered(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    await emit_event(session, WebhookEvent.USER_REGISTERED, user_id=user_id)


async def enrollment_created(
    session: AsyncSession, *, enrollment_id: uuid.UUID, course_id: uuid.UUID
) -> None:
    await emit_event(
        session, WebhookEvent.ENROLLMENT_CREATED, course_id=course_id, enrollment_id=enrollment_id
    )


async def course_completed(
    session: AsyncSession, *, enrollment_id: uuid.UUID, course_id: uuid.UUID
) -> None:
    await emit_event(
        session, WebhookEvent.COURSE_COMPLETED, course_id=course_id, enrollment_id=enrollment_id
    )


async def certificate_issued(
    session: AsyncSession, *, certificate_id: uuid.UUID, course_id: uuid.UUID
) -> None:
    await emit_event(
        session, WebhookEvent.CERTIFICATE_ISSUED, course_id=course_id, certificate_id=certificate_id
    )


async def order_paid(session: AsyncSession, *, order_id: uuid.UUID) -> None:
    await emit_event(session, WebhookEvent.ORDER_PAID, order_id=order_id)


async def refund_processed(
    session: AsyncSession, *, order_id: uuid.UUID, amount_minor: int, currency: str
) -> None:
    await emit_event(
        session,
        WebhookEvent.REFUND_PROCESSED,
        order_id=order_id,
        amount_minor=amount_minor,
        currency=currency,
    )


async def course_published(session: AsyncSession, *, course_id: uuid.UUID) -> None:
    await emit_event(session, WebhookEvent.COURSE_PUBLISHED, course_id=course_id)
