"""Notification services. E-mails are queued in the caller's transaction (email_log + outbox)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import EmailLog
from app.outbox import emit

EMAIL_TOPIC = "email.send"


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    user_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Queue `template` for `to`; it is sent by a worker only if the caller's transaction commits.

    `context` must be JSON-serialisable. Returns the email_log id, which is also the idempotency
    key of the send job.
    """
    log = EmailLog(recipient=to, template=template, context=context, user_id=user_id)
    session.add(log)
    await session.flush([log])
    await emit(session, EMAIL_TOPIC, {"email_id": str(log.id)})
    return log.id
