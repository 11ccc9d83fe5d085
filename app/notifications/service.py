"""Notification services. E-mails are queued in the caller's transaction (email_log + outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.errors import NotFound
from app.integrations.mail import Attachment, Mailer, OutgoingEmail
from app.integrations.storage import Storage
from app.metrics import EMAILS
from app.notifications.email import render_email
from app.notifications.models import (
    EmailLog,
    EmailStatus,
    Notification,
    NotificationCategory,
    NotificationPriority,
    NotificationType,
)
from app.outbox import emit

EMAIL_TOPIC = "email.send"


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    user_id: uuid.UUID | None = None,
    attachments: Sequence[StoredAttachment] = (),
) -> uuid.UUID:
    """Queue `template` for `to`; it is sent by a worker only if the caller's transaction commits.

    `context` must be JSON-serialisable. `attachments` name objects already in storage; the
    sender reads them when it sends. Returns the email_log id, which is also the idempotency key
    of the send job.
    """
    log = EmailLog(
        recipient=to,
        template=template,
        context=context,
        user_id=user_id,
        attachments=[a.as_json() for a in attachments],
    )
    session.add(log)
    await session.flush()
    await emit(session, EMAIL_TOPIC, {"email_id": str(log.id)})
    return log.id


REDACTED = "[redacted]"
SECRET_CONTEXT_KEYS = frozenset({"link", "token", "code"})


def redact_context(value: Any) -> Any:
    """Replace secret values (one-time links, tokens, codes) at any depth with "[redacted]"."""
    if isinstance(value, dict):
        return {
            k: REDACTED if k in SECRET_CONTEXT_KEYS else redact_context(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_context(v) for v in value]
    return value


@dataclass(frozen=True)
class StoredAttachment:
    storage_key: str
    filename: str
    content_type: str

    def as_json(self) -> dict[str, str]:
        return {
            "storage_key": self.storage_key,
            "filename": self.filename,
            "content_type": self.content_type,
        }


async def deliver_email(
    db: Database,
    email_id: uuid.UUID,
    *,
    mailer: Mailer,
    storage: Storage | None = None,
    final_attempt: bool = False,
) -> EmailStatus:
    """Render and send one queued e-mail; safe to call any number of times for the same id.

    The email_log row is locked FOR UPDATE while sending, so two workers never both send it;
    a row that is no longer `queued` is left alone. A send failure records the error and keeps
    the row `queued` for the next retry, or marks it `failed` when `final_attempt` is set (a
    template error fails at once: retrying cannot fix it). Once the row is `sent` or `failed`,
    secret context values are redacted. Raises NotFound for an unknown id.
    """
    async with db.transaction() as session:
        log = await session.get(EmailLog, email_id, with_for_update=True)
        if log is None:
            raise NotFound("Email")
        if log.status != EmailStatus.QUEUED:
            return log.status
        outcome = await _send(log, mailer, storage, final_attempt=final_attempt)
    EMAILS.labels(template=log.template, status=outcome).inc()
    return log.status


async def _send(
    log: EmailLog, mailer: Mailer, storage: Storage | None, *, final_attempt: bool
) -> str:
    """Send `log` and update it in place; returns the metrics outcome (sent | retry | failed)."""
    log.attempts += 1
    try:
        rendered = render_email(log.template, log.context)
    except TemplateError as exc:
        _finish(log, EmailStatus.FAILED, error=f"template {log.template!r}: {exc}")
        return EmailStatus.FAILED.value
    try:
        files = await _attachments(log, storage)
        email = OutgoingEmail(
            email_id=log.id,
            to=log.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=files,
        )
        log.provider_message_id = await mailer.send(email)
    except Exception as exc:  # any provider failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if final_attempt:
            _finish(log, EmailStatus.FAILED, error=error)
            return EmailStatus.FAILED.value
        log.error_message = error
        return "retry"
    log.subject = rendered.subject
    log.sent_at = utcnow()
    _finish(log, EmailStatus.SENT, error=None)
    return EmailStatus.SENT.value


async def _attachments(log: EmailLog, storage: Storage | None) -> tuple[Attachment, ...]:
    if not log.attachments:
        return ()
    if storage is None:
        raise RuntimeError("this e-mail has attachments but no storage was given to read them")
    return tuple(
        [
            Attachment(a["filename"], a["content_type"], await storage.read(a["storage_key"]))
            for a in log.attachments
        ]
    )


def _finish(log: EmailLog, status: EmailStatus, *, error: str | None) -> None:
    log.status = status
    log.error_message = error
    log.context = redact_context(log.context)


async def notify(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    type: NotificationType,
    title: str,
    body: str,
    category: NotificationCategory = NotificationCategory.SYSTEM,
    priority: NotificationPriority = NotificationPriority.NORMAL,
    action_url: str | None = None,
    metadata: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> uuid.UUID:
    """Create an in-app notification in the caller's transaction and return its id.

    Live delivery (pub/sub), e-mail per the user's preferences and digest batching arrive with the
    notifications capability (SPEC §3.8).
    """
    notification = Notification(
        recipient_id=recipient_id,
        type=type,
        category=category,
        priority=priority,
        title=title[:255],
        body=body,
        action_url=action_url,
        metadata_=metadata or {},
        expires_at=expires_at,
    )
    session.add(notification)
    await session.flush()
    return notification.id
