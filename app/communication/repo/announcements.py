"""SQL of announcements: pages, batch reads, the claim of due scheduled ones, and the recipients
of a publication (in keyset chunks, skipping those already notified of it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.communication.models import Announcement, AnnouncementStatus
from app.learning.models import Enrollment, EnrollmentStatus
from app.notifications.models import Notification, NotificationType
from app.pagination import Page, PageRequest, SortKey, paginate

SEAT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
# a deleted announcement stays in the table for moderation, and nowhere else
NOT_DELETED = Announcement.deleted_at.is_(None)


async def announcements_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Announcement | None]:
    stmt = select(Announcement).where(Announcement.id.in_(ids), NOT_DELETED)
    rows = (await session.scalars(stmt)).all()
    by_id = {row.id: row for row in rows}
    return [by_id.get(i) for i in ids]


async def lock(session: AsyncSession, announcement_id: uuid.UUID) -> Announcement | None:
    return await session.scalar(
        select(Announcement)
        .where(Announcement.id == announcement_id, NOT_DELETED)
        .with_for_update()
    )


async def lock_if_free(session: AsyncSession, announcement_id: uuid.UUID) -> Announcement | None:
    """The row locked, or None when another transaction holds it (its fan-out is running)."""
    return await session.scalar(
        select(Announcement)
        .where(Announcement.id == announcement_id, NOT_DELETED)
        .with_for_update(skip_locked=True)
    )


async def page(
    session: AsyncSession,
    *,
    course_id: uuid.UUID | None,
    published_only: bool,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Announcement]:
    """A course's announcements (platform-wide ones for None), newest first: by publication
    time, or by the planned time for unpublished ones (only when not `published_only`)."""
    where = (
        Announcement.course_id.is_(None)
        if course_id is None
        else Announcement.course_id == course_id
    )
    stmt = select(Announcement).where(where, NOT_DELETED)
    if published_only:
        stmt = stmt.where(Announcement.status == AnnouncementStatus.PUBLISHED)
    instant = func.coalesce(
        Announcement.published_at, Announcement.scheduled_for, Announcement.created_at
    )
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(instant, descending=True)],
        tiebreaker=Announcement.id.expression,
        request=request,
        with_total=with_total,
    )


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Announcement]:
    """Publish (in the caller's transaction) up to `limit` scheduled announcements that are due.

    One `UPDATE … WHERE status = 'scheduled' … RETURNING` over rows picked with
    `FOR UPDATE SKIP LOCKED`: a row is claimed by one transaction only, so two publishers never
    publish it twice (the loser either skips it or finds it no longer scheduled)."""
    due = (
        select(Announcement.id)
        .where(
            Announcement.status == AnnouncementStatus.SCHEDULED,
            Announcement.scheduled_for <= now,
            NOT_DELETED,
        )
        .order_by(Announcement.scheduled_for)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(Announcement)
        .where(Announcement.id.in_(due), Announcement.status == AnnouncementStatus.SCHEDULED)
        .values(status=AnnouncementStatus.PUBLISHED, published_at=now, updated_at=now)
        .returning(Announcement)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())


async def recently_published(
    session: AsyncSession, *, since: datetime, limit: int
) -> list[uuid.UUID]:
    """Ids of announcements published at or after `since` (candidates for a fan-out sweep)."""
    stmt = (
        select(Announcement.id)
        .where(
            Announcement.status == AnnouncementStatus.PUBLISHED,
            Announcement.published_at >= since,
            NOT_DELETED,
        )
        .order_by(Announcement.published_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def unnotified_recipients(
    session: AsyncSession,
    announcement: Announcement,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """The next `limit` recipients (by user id, after `after`) who have no notification of this
    announcement yet: a course's students with access, or every active user (platform-wide).
    The author is not notified of their own announcement."""
    notified = exists().where(
        Notification.recipient_id == User.id,
        Notification.type == NotificationType.ANNOUNCEMENT,
        Notification.metadata_["announcement_id"].astext == str(announcement.id),
    )
    stmt = select(User.id).where(User.is_active.is_(True), User.deleted_at.is_(None), ~notified)
    if announcement.course_id is not None:
        stmt = stmt.where(
            exists().where(
                and_(
                    Enrollment.student_id == User.id,
                    Enrollment.course_id == announcement.course_id,
                    Enrollment.status.in_(SEAT_STATUSES),
                )
            )
        )
    if announcement.author_id is not None:
        stmt = stmt.where(User.id != announcement.author_id)
    if after is not None:
        stmt = stmt.where(User.id > after)
    return list((await session.scalars(stmt.order_by(User.id).limit(limit))).all())
