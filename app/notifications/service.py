"""Notification services. E-mails are queued in the caller's transaction (email_log + outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app import live
from app.clock import utcnow
from app.db import Database
from app.errors import NotFound
from app.integrations.mail import Attachment, Mailer, OutgoingEmail
from app.integrations.storage import Storage
from app.metrics import EMAILS
from app.notifications import repo
from app.notifications.delivery import (
    COUNT_KEY,
    FOLD_WINDOW,
    absolute_url,
    burst_title,
    email_context,
    group_key_of,
)
from app.notifications.email import render_email
from app.notifications.models import (
    DigestFrequency,
    EmailLog,
    EmailStatus,
    Notification,
    NotificationCategory,
    NotificationPriority,
    NotificationType,
)
from app.notifications.preferences import channels_for, policy_of
from app.outbox import emit
from app.settings import get_settings

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

    Sends are serialised per e-mail by a PostgreSQL advisory lock held on one connection for the
    whole delivery (a second worker handed the same message waits, then finds it sent; a killed
    worker's lock ends with its connection). `sending` is committed before the mailer is called
    and `sent` after it returns, so an attempt that finds `sending` knows an earlier one was
    interrupted: it asks the mailer whether the message went out and marks it sent, sends it
    again only when it certainly did not, and marks it failed when the mailer cannot tell (SMTP)
    rather than risk a duplicate. A send failure records the error and puts the row back to
    `queued` for the next retry, or marks it `failed` when `final_attempt` is set (a template
    error fails at once: retrying cannot fix it). Once the row is `sent` or `failed`, secret
    context values are redacted. Raises NotFound for an unknown id.
    """
    key = _lock_key(email_id)
    async with db.engine.connect() as conn:
        await _lock(conn, key)
        try:
            async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                return await _deliver_locked(
                    session, email_id, mailer, storage, final_attempt=final_attempt
                )
        finally:
            await _unlock(conn, key)


SEND_LOCK_WAIT = "120s"  # a sender holding the lock longer is presumed stuck: retry later
INTERRUPTED = "interrupted while sending; not sent again, it may have been delivered"


def _lock_key(email_id: uuid.UUID) -> int:
    return int.from_bytes(email_id.bytes[8:], "big", signed=True)


async def _lock(conn: AsyncConnection, key: int) -> None:
    await conn.execute(text(f"SET LOCAL lock_timeout = '{SEND_LOCK_WAIT}'"))
    await conn.execute(select(func.pg_advisory_lock(key)))
    await conn.commit()  # a session-level lock outlives the transactions below


async def _unlock(conn: AsyncConnection, key: int) -> None:
    try:
        await conn.rollback()
        await conn.execute(select(func.pg_advisory_unlock(key)))
        await conn.commit()
    except SQLAlchemyError:  # a broken connection: never hand it back to the pool holding a lock
        await conn.invalidate()


async def _deliver_locked(
    session: AsyncSession,
    email_id: uuid.UUID,
    mailer: Mailer,
    storage: Storage | None,
    *,
    final_attempt: bool,
) -> EmailStatus:
    async with session.begin():
        log = await session.get(EmailLog, email_id, populate_existing=True)
        if log is None:
            raise NotFound("Email")
        if log.status == EmailStatus.SENDING:
            await _resume(log, mailer)
        if log.status not in (EmailStatus.QUEUED, EmailStatus.SENDING):
            return log.status
        email = await _prepare(log, storage, final_attempt=final_attempt)
        if email is None:
            EMAILS.labels(template=log.template, status=_outcome(log)).inc()
            return log.status
        log.status = EmailStatus.SENDING  # committed before the mailer is called
    try:
        message_id = await mailer.send(email)
    except Exception as exc:  # any provider failure is recorded and retried
        async with session.begin():
            _attempt_failed(log, exc, final_attempt=final_attempt)
    else:
        async with session.begin():
            log.provider_message_id = message_id
            log.sent_at = utcnow()
            _finish(log, EmailStatus.SENT, error=None)
    EMAILS.labels(template=log.template, status=_outcome(log)).inc()
    return log.status


async def _resume(log: EmailLog, mailer: Mailer) -> None:
    """An earlier attempt died between `sending` and `sent`: settle what it left."""
    delivered = await mailer.delivered(log.id)
    if delivered:
        log.sent_at = utcnow()
        _finish(log, EmailStatus.SENT, error=None)
    elif delivered is None:
        _finish(log, EmailStatus.FAILED, error=INTERRUPTED)


async def _prepare(
    log: EmailLog, storage: Storage | None, *, final_attempt: bool
) -> OutgoingEmail | None:
    """The message to send (counted as an attempt), or None when this attempt already failed."""
    log.attempts += 1
    try:
        rendered = render_email(log.template, log.context)
    except TemplateError as exc:
        _finish(log, EmailStatus.FAILED, error=f"template {log.template!r}: {exc}")
        return None
    try:
        files = await _attachments(log, storage)
    except Exception as exc:  # storage trouble is retried like a provider failure
        _attempt_failed(log, exc, final_attempt=final_attempt)
        return None
    log.subject = rendered.subject
    return OutgoingEmail(
        email_id=log.id,
        to=log.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=files,
    )


def _attempt_failed(log: EmailLog, exc: Exception, *, final_attempt: bool) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if final_attempt:
        _finish(log, EmailStatus.FAILED, error=error)
    else:
        log.status = EmailStatus.QUEUED
        log.error_message = error


def _outcome(log: EmailLog) -> str:
    """The metrics outcome of an attempt: sent | retry | failed."""
    return "retry" if log.status == EmailStatus.QUEUED else log.status.value


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


PUSH_TOPIC = "push.send"  # handled by the push capability (app.notifications.push)
NOTIFICATION_EVENT = "notification"  # the live event's type on the user's channel


@dataclass(frozen=True)
class EmailContent:
    """A caller's own e-mail for a notification: its template, its context (`first_name` is
    added; without a context the common keys of delivery.email_context are used) and stored
    attachments."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    attachments: Sequence[StoredAttachment] = ()


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
    email: EmailContent | None = None,
    send_email: bool = True,
    group_key: str | None = None,
) -> uuid.UUID:
    """Tell a user something, in the caller's transaction, as their preferences for `type` say;
    returns the notification's id.

    - A row is always written (the record of what we told the user; the digest reads it). With
      in-app off it is written read and already expired, so the inbox never shows it.
    - A burst (same recipient and group key — the caller's, or derived from the metadata for types
      that fold — within FOLD_WINDOW of the last one, still unread) folds into that row: count
      +1, title "3 new messages from …", newest body; the live event fires again with its id, no
      second e-mail or push goes out.
    - In-app on: a live event {"type": "notification", "notification_id"} on the user's channel.
    - E-mail on: queued now (immediate) with the type's template, or `digest_pending` for the
      daily / weekly digest; transactional types (payments, refunds) always go out at once.
      `email` replaces the template and adds context; `send_email=False` when the caller sends
      its own e-mail for this event (so there are never two).
    - Push on: a "push.send" event with the notification id.
    """
    now = utcnow()
    meta = dict(metadata or {})
    policy = policy_of(type)
    key = group_key_of(type, meta, group_key)
    channels = await channels_for(session, user_id=recipient_id, type=type)
    row = None
    if key is not None and channels.in_app:
        await repo.lock_group(session, recipient_id=recipient_id, group_key=key)
        row = await repo.foldable(
            session, recipient_id=recipient_id, group_key=key, since=now - FOLD_WINDOW
        )
    if row is not None:
        count = int(row.metadata_.get(COUNT_KEY, 1)) + 1
        row.title = burst_title(type, count, title)
        row.body = body
        row.action_url = action_url
        row.metadata_ = {**meta, COUNT_KEY: count, **_digest_mark(row.metadata_)}
        row.created_at = now
        await session.flush()
        await live.publish(
            session,
            live.user_channel(recipient_id),
            {"type": NOTIFICATION_EVENT, "notification_id": str(row.id)},
        )
        return row.id
    wants_email = send_email and channels.email and (policy.template or email) is not None
    digest = wants_email and channels.email_digest != DigestFrequency.IMMEDIATE
    if digest:
        meta[repo.DIGEST_KEY] = channels.email_digest.value
    notification = Notification(
        recipient_id=recipient_id,
        type=type,
        category=category,
        priority=priority,
        title=title[:255],
        body=body,
        action_url=action_url,
        metadata_=meta,
        expires_at=expires_at if channels.in_app else now,
        is_read=not channels.in_app,
        read_at=None if channels.in_app else now,
        group_key=key,
        digest_pending=digest,
        created_at=now,
    )
    session.add(notification)
    await session.flush()
    if channels.in_app:
        await live.publish(
            session,
            live.user_channel(recipient_id),
            {"type": NOTIFICATION_EVENT, "notification_id": str(notification.id)},
        )
    if wants_email and not digest:
        await _email(session, notification, email or EmailContent(policy.template or ""))
    if channels.push:
        await emit(session, PUSH_TOPIC, {"notification_id": str(notification.id)})
    return notification.id


def _digest_mark(metadata: dict[str, Any]) -> dict[str, Any]:
    return {repo.DIGEST_KEY: metadata[repo.DIGEST_KEY]} if repo.DIGEST_KEY in metadata else {}


async def _email(session: AsyncSession, row: Notification, content: EmailContent) -> None:
    from app.accounts.service import get_user  # accounts queues e-mails through this module

    user = await get_user(session, row.recipient_id)
    if user is None or user.deleted_at is not None:
        return
    context = (
        {"first_name": user.first_name, **content.context}
        if content.context  # the caller's own template and context
        else email_context(
            first_name=user.first_name,
            title=row.title,
            body=row.body,
            action_url=absolute_url(get_settings().frontend_url, row.action_url),
            count=1,
        )
    )
    await queue_email(
        session,
        to=user.email,
        template=content.template,
        context=context,
        user_id=user.id,
        attachments=content.attachments,
    )
