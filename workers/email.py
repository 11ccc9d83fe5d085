"""E-mail actors: send one queued e-mail (idempotent on the email_log id)."""

from __future__ import annotations

import uuid

import dramatiq
from dramatiq.middleware import CurrentMessage

from app.errors import NotFound
from app.notifications.models import EmailStatus
from app.notifications.service import deliver_email
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


class EmailNotSent(Exception):
    """Raised so that Dramatiq retries a send that failed (the error is in email_log)."""


def is_final_attempt() -> bool:
    """True when Dramatiq will not retry the current message after this attempt fails."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    max_retries = message.options.get("max_retries", MAX_RETRIES)
    return int(message.options.get("retries", 0)) >= int(max_retries)


@dramatiq.actor(max_retries=MAX_RETRIES, throws=(NotFound,))
async def send_email(email_id: str) -> None:
    runtime = get_runtime()
    status = await deliver_email(
        runtime.db,
        uuid.UUID(email_id),
        mailer=runtime.mailer,
        storage=runtime.storage,
        final_attempt=is_final_attempt(),
    )
    if status == EmailStatus.QUEUED:
        raise EmailNotSent(email_id)
