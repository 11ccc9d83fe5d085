"""All SQL of notifications and channel preferences (never commits)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import (
    DigestFrequency,
    Notification,
    NotificationCategory,
    NotificationPreference,
    NotificationType,
)
from app.pagination import Page, PageRequest, SortKey, paginate

if TYPE_CHECKING:
    from app.notifications.preferences import Channels

DIGEST_KEY = "digest"  # metadata: the digest frequency a pending row waits for


# --- preferences ------------------------------------------------------------------------------


def _channels(row: NotificationPreference) -> Channels:
    from app.notifications.preferences import Channels

    return Channels(
        in_app=row.in_app, email=row.email, push=row.push, email_digest=row.email_digest
    )


async def preference(
    session: AsyncSession, *, user_id: uuid.UUID, type: NotificationType
) -> Channels | None:
    row = await session.get(NotificationPreference, (user_id, type))
    return None if row is None else _channels(row)


async def preferences_of(
    session: AsyncSession, *, user_id: uuid.UUID
) -> dict[NotificationType, Channels]:
    rows = await session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    return {NotificationType(r.type): _channels(r) for r in rows}


async def save_preference(
    session: AsyncSession, *, user_id: uuid.UUID, type: NotificationType, channels: Channels
) -> None:
    values = {
        "in_app": channels.in_app,
        "email": channels.email,
        "push": channels.push,
        "email_digest": channels.email_digest,
    }
    stmt = insert(NotificationPreference).values(user_id=user_id, type=type, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[NotificationPreference.user_id, NotificationPreference.type],
            set_={**values, "updated_at": func.now()},
        )
    )


# --- delivery ---------------------------------------------------------------------------------


async def lock_group(session: AsyncSession, *, recipient_id: uuid.UUID, group_key: str) -> None:
    """Serialise notify() calls of one burst (until the transaction ends)."""
    digest = hashlib.blake2b(f"{recipient_id}:{group_key}".encode(), digest_size=8).digest()
    await session.execute(
        select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True)))
    )


async def foldable(
    session: AsyncSession, *, recipient_id: uuid.UUID, group_key: str, since: datetime
) -> Notification | None:
    """The unread notification of this burst updated since `since`, locked."""
    return await session.scalar(
        select(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.group_key == group_key,
            Notification.is_read.is_(False),
            Notification.created_at >= since,
        )
        .order_by(Notification.created_at.desc())
        .limit(1)
        .with_for_update()
    )


# --- the inbox --------------------------------------------------------------------------------


def _visible(recipient_id: uuid.UUID, now: datetime) -> ColumnElement[bool]:
    return and_(
        Notification.recipient_id == recipient_id,
        or_(Notification.expires_at.is_(None), Notification.expires_at > now),
    )


async def list_notifications(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    now: datetime,
    unread_only: bool,
    types: Sequence[NotificationType],
    category: NotificationCategory | None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Notification]:
    stmt = select(Notification).where(_visible(recipient_id, now))
    if unread_only:
        stmt = stmt.where(Notification.is_read.is_(False))
    if types:
        stmt = stmt.where(Notification.type.in_(types))
    if category is not None:
        stmt = stmt.where(Notification.category == category)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(Notification.created_at.expression, descending=True)],
        tiebreaker=Notification.id.expression,
        request=request,
        with_total=with_total,
    )


async def unread_count(session: AsyncSession, *, recipient_id: uuid.UUID, now: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(_visible(recipient_id, now), Notification.is_read.is_(False))
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> list[uuid.UUID]:
    """Mark the recipient's unread notifications (these ids, or all) read; the ids changed."""
    stmt = (
        update(Notification)
        .where(Notification.recipient_id == recipient_id, Notification.is_read.is_(False))
        .values(is_read=True, read_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return list(await session.scalars(stmt))


async def notifications_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Notification | None]:
    stmt = (
        select(Notification)
        .where(Notification.id.in_(ids))
        .execution_options(populate_existing=True)  # fresh after a bulk update in this session
    )
    found = {n.id: n for n in await session.scalars(stmt)}
    return [found.get(i) for i in ids]


# --- digests ----------------------------------------------------------------------------------

PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}


def _due(now: datetime) -> ColumnElement[bool]:
    """A pending row whose digest period has passed (weekly rows wait a week, others a day)."""
    weekly = Notification.metadata_[DIGEST_KEY].astext == DigestFrequency.WEEKLY.value
    return or_(
        and_(weekly, Notification.created_at <= now - PERIODS[DigestFrequency.WEEKLY]),
        and_(~weekly, Notification.created_at <= now - PERIODS[DigestFrequency.DAILY]),
    )


async def users_with_due_digests(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Notification.recipient_id)
        .where(Notification.digest_pending.is_(True), _due(now))
        .group_by(Notification.recipient_id)
        .order_by(Notification.recipient_id)
        .limit(limit)
    )
    return list(rows)


DIGEST_LOCK_SPACE = 0x6E6F74  # advisory lock keys of digests: (space, recipient)


async def take_pending(session: AsyncSession, *, recipient_id: uuid.UUID) -> list[Notification]:
    """The recipient's rows waiting for a digest, locked; nothing when another runner is
    sending this recipient's digest (a transaction-level advisory lock per recipient: row locks
    alone would let two runners split one user's rows into two digests)."""
    key = int.from_bytes(recipient_id.bytes[-4:], "big", signed=True)  # the random end of a v7
    taken = await session.scalar(select(func.pg_try_advisory_xact_lock(DIGEST_LOCK_SPACE, key)))
    if not taken:
        return []
    rows = await session.scalars(
        select(Notification)
        .where(Notification.recipient_id == recipient_id, Notification.digest_pending.is_(True))
        .order_by(Notification.created_at, Notification.id)
        .with_for_update()
    )
    return list(rows)
