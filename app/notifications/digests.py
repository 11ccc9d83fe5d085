"""The daily / weekly e-mail digest: one e-mail per user listing the notifications that waited.

A notification waits (`digest_pending`, its frequency in metadata) when its type's e-mails go to
a digest. Once the oldest waiting row of a frequency is a period old (a day, a week), the user's
rows of the frequencies that are due go out in ONE `digest` e-mail and stop waiting, in the same
transaction. Rows are taken FOR UPDATE SKIP LOCKED: two runners never send the same rows twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.notifications import repo
from app.notifications.delivery import COUNT_KEY, absolute_url
from app.notifications.models import DigestFrequency, Notification
from app.notifications.service import queue_email
from app.settings import get_settings

DIGEST_TEMPLATE = "digest"
BATCH = 200  # users per pass


async def send_due_digests(db: Database, *, now: datetime) -> int:
    """Queue the digests that are due, one user per transaction; how many were queued."""
    sent = 0
    async with db.session() as session:
        users = await repo.users_with_due_digests(session, now=now, limit=BATCH)
    for user_id in users:
        async with db.transaction() as session:
            sent += await send_digest(session, recipient_id=user_id, now=now)
    return sent


async def send_digest(session: AsyncSession, *, recipient_id: uuid.UUID, now: datetime) -> int:
    """The user's digest if one is due (1), else nothing (0)."""
    from app.accounts.service import get_user  # accounts queues e-mails through notifications

    rows = _due(await repo.take_pending(session, recipient_id=recipient_id), now)
    if not rows:
        return 0
    for row in rows:
        row.digest_pending = False
    user = await get_user(session, recipient_id)
    if user is None or user.deleted_at is not None:
        return 0
    frontend = get_settings().frontend_url
    items = [
        {
            "title": row.title,
            "body": row.body,
            "action_url": absolute_url(frontend, row.action_url),
            "count": int(row.metadata_.get(COUNT_KEY, 1)),
        }
        for row in rows
    ]
    await queue_email(
        session,
        to=user.email,
        template=DIGEST_TEMPLATE,
        context={
            "first_name": user.first_name,
            "items": items,
            "count": sum(int(row.metadata_.get(COUNT_KEY, 1)) for row in rows),
            "notification_ids": [str(r.id) for r in rows],
        },
        user_id=user.id,
    )
    return 1


def _due(rows: list[Notification], now: datetime) -> list[Notification]:
    """The rows of every frequency whose oldest waiting row is a period old."""
    due: set[str] = set()
    for row in rows:
        frequency = row.metadata_.get(repo.DIGEST_KEY, DigestFrequency.DAILY.value)
        period = repo.PERIODS.get(DigestFrequency(frequency), repo.PERIODS[DigestFrequency.DAILY])
        if row.created_at <= now - period:
            due.add(frequency)
    return [r for r in rows if r.metadata_.get(repo.DIGEST_KEY, "daily") in due]
