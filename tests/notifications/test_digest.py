"""The e-mail digest: notifications waiting for a daily / weekly digest go out in ONE e-mail per
user once due, exactly once even with racing runners."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.clock import frozen
from app.db import Database
from app.notifications.digests import send_due_digests
from app.notifications.email import render_email
from app.notifications.models import (
    DigestFrequency,
    EmailLog,
    Notification,
    NotificationPreference,
    NotificationType,
)
from app.notifications.service import notify
from tests.support.catalog import person

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


async def reply(database: Database, user: User, thread: uuid.UUID, at: datetime) -> uuid.UUID:
    """A discussion reply: in-app + daily digest by default."""
    with frozen(at):
        async with database.transaction() as session:
            return await notify(
                session,
                recipient_id=user.id,
                type=NotificationType.DISCUSSION_REPLY,
                title="New reply from Bob",
                body="I agree",
                action_url=f"/threads/{thread}",
                metadata={"thread_id": str(thread)},
            )


async def digests_of(database: Database, user: User) -> list[EmailLog]:
    async with database.session() as session:
        rows = await session.scalars(
            select(EmailLog).where(EmailLog.user_id == user.id, EmailLog.template == "digest")
        )
        return list(rows)


async def pending_of(database: Database, user: User) -> list[Notification]:
    async with database.session() as session:
        rows = await session.scalars(
            select(Notification).where(
                Notification.recipient_id == user.id, Notification.digest_pending.is_(True)
            )
        )
        return list(rows)


async def test_nothing_goes_out_before_a_day_has_passed(database: Database) -> None:
    user = await person(database)
    await reply(database, user, uuid.uuid4(), NOW)
    assert await send_due_digests(database, now=NOW + timedelta(hours=23)) == 0
    assert await digests_of(database, user) == []
    assert len(await pending_of(database, user)) == 1


async def test_one_digest_lists_every_waiting_notification_and_clears_them(
    database: Database,
) -> None:
    user = await person(database, first_name="Ada")
    threads = [uuid.uuid4() for _ in range(3)]
    for i, thread in enumerate(threads):
        await reply(database, user, thread, NOW + timedelta(hours=i))
    await reply(database, user, threads[2], NOW + timedelta(hours=2, minutes=1))  # folded
    assert await send_due_digests(database, now=NOW + timedelta(days=1)) == 1
    [digest] = await digests_of(database, user)
    assert len(digest.context["items"]) == 3
    assert digest.context["count"] == 4  # the folded one counts twice
    assert await pending_of(database, user) == []
    rendered = render_email("digest", digest.context)
    assert "Ada" in rendered.text
    assert "New reply from Bob" in rendered.text
    assert await send_due_digests(database, now=NOW + timedelta(days=2)) == 0  # idempotent


async def test_weekly_rows_wait_a_week(database: Database) -> None:
    user = await person(database)
    async with database.transaction() as session:
        session.add(
            NotificationPreference(
                user_id=user.id,
                type=NotificationType.DISCUSSION_REPLY,
                email_digest=DigestFrequency.WEEKLY,
            )
        )
    await reply(database, user, uuid.uuid4(), NOW)
    assert await send_due_digests(database, now=NOW + timedelta(days=2)) == 0
    assert await send_due_digests(database, now=NOW + timedelta(days=7)) == 1


async def test_two_racing_runners_send_one_digest(database: Database) -> None:
    users = [await person(database) for _ in range(3)]
    for user in users:
        for _ in range(2):
            await reply(database, user, uuid.uuid4(), NOW)
    results: list[Any] = await asyncio.gather(
        *(send_due_digests(database, now=NOW + timedelta(days=1)) for _ in range(2))
    )
    assert sum(results) == 3
    for user in users:
        assert len(await digests_of(database, user)) == 1
