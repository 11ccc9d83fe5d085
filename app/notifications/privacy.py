"""The notifications domain's part of a GDPR export and erasure: in-app notifications, channel
preferences, push subscriptions, the log of e-mails sent to the user and the newsletter
subscription are deleted; notifications and e-mails of other people that name the user (e.g.
"New message from …") have the e-mail address and full name replaced."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import (
    EmailLog,
    NewsletterSubscriber,
    Notification,
    NotificationPreference,
    PushDevice,
)
from app.notifications.service import redact_context
from app.privacy import ErasureSubject, plain_rows, scrub_json, scrub_text


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    notifications = await session.execute(
        select(
            Notification.id,
            Notification.type,
            Notification.title,
            Notification.body,
            Notification.action_url,
            Notification.is_read,
            Notification.created_at,
        ).where(Notification.recipient_id == user_id)
    )
    preferences = await session.execute(
        select(NotificationPreference.__table__).where(NotificationPreference.user_id == user_id)
    )
    devices = await session.execute(
        select(
            PushDevice.id, PushDevice.platform, PushDevice.created_at, PushDevice.last_seen_at
        ).where(PushDevice.user_id == user_id)
    )
    emails = await session.execute(
        select(
            EmailLog.id,
            EmailLog.recipient,
            EmailLog.template,
            EmailLog.subject,
            EmailLog.context,
            EmailLog.status,
            EmailLog.created_at,
            EmailLog.sent_at,
        ).where(EmailLog.user_id == user_id)
    )
    newsletter = await session.execute(
        select(
            NewsletterSubscriber.email,
            NewsletterSubscriber.name,
            NewsletterSubscriber.status,
            NewsletterSubscriber.confirmed_at,
            NewsletterSubscriber.created_at,
        ).where(NewsletterSubscriber.user_id == user_id)
    )
    sent = plain_rows(emails.all())
    for row in sent:
        row["context"] = redact_context(row["context"])
    return {
        "notifications": {
            "notifications": plain_rows(notifications.all()),
            "preferences": plain_rows(preferences.all()),
            "newsletter": plain_rows(newsletter.all()),
        },
        "devices": plain_rows(devices.all()),
        "emails": sent,
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    await session.execute(delete(Notification).where(Notification.recipient_id == user_id))
    await session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    await session.execute(delete(PushDevice).where(PushDevice.user_id == user_id))
    await session.execute(
        delete(EmailLog).where(
            or_(EmailLog.user_id == user_id, EmailLog.recipient == subject.email)
        )
    )
    await session.execute(
        delete(NewsletterSubscriber).where(
            or_(
                NewsletterSubscriber.user_id == user_id,
                NewsletterSubscriber.email == subject.email,
            )
        )
    )
    for column in (Notification.title, Notification.body, EmailLog.subject):
        await scrub_text(session, column, subject)
    for json_column in (Notification.metadata_, EmailLog.context):
        await scrub_json(session, json_column, subject)
