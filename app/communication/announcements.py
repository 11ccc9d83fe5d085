"""Announcements: to a course (by its instructors) or to the whole platform (by admins).

Rules:
- A course announcement is written by the course's teachers (owner, co-instructors, admins) and
  read by its members (`membership.py`): students with access see published ones only, teachers
  also see scheduled ones. A platform-wide announcement (no course) is written by admins and read
  by every signed-in user (admins also see scheduled ones). Whoever may not see one gets
  NOT_FOUND; a member who sees it but may not change it gets FORBIDDEN.
- `publish_at` in the future schedules it (SCHEDULED); none, now or in the past publishes it at
  once. A scheduled one is published by the worker (`publish_due_announcements`, every tick of
  the periodic scheduler) exactly once, whatever the number of workers: the claim is one
  `UPDATE … WHERE status = 'scheduled' … RETURNING` over rows locked with SKIP LOCKED.
- A published announcement can change its title and body, not its schedule
  (ANNOUNCEMENT_PUBLISHED); a scheduled one can be moved, or published now (publish_at ≤ now).
- Publishing sets status and `published_at`, publishes the live event
  `{"type": "announcement_published", "announcement_id"}` on
  `live.course_channel(course_id | None, "announcements")` and notifies the recipients (a
  course's students with access; every active user for a platform one) with `notify()`.
  Notifying is chunked and idempotent: recipients are read in keyset chunks by user id, each
  chunk skipping users who already have a notification of this announcement
  (metadata.announcement_id), each chunk its own transaction when run by the worker, with the
  announcement row locked (SKIP LOCKED) so two workers never notify one user twice. The API
  notifies the first chunk inside the mutation; the worker's sweep (`fan_out_recent`) completes
  what is left (large audiences, a crashed worker).
- Bodies are sanitised HTML (nh3), at most 20,000 characters; titles at most 200 characters.
  Sending is rate limited per author (`CREATE_LIMIT` per hour).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app import live
from app.accounts.models import UserRole
from app.catalog import get_course
from app.catalog.rules import UNSET, Unset
from app.clock import utcnow
from app.communication.errors import CommunicationCode
from app.communication.membership import CourseRole, role_in
from app.communication.models import Announcement, AnnouncementStatus
from app.communication.repo import announcements as repo
from app.db import Database
from app.errors import Common, FieldError, Forbidden, NotFound, RateLimited, collect
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.pagination import Page, PageRequest
from app.security.permissions import Actor
from app.security.ratelimit import hit
from app.security.sanitize import has_text, plain_text, sanitize_html
from app.settings import get_settings

TITLE_MAX = 200
BODY_MAX = 20_000
CREATE_LIMIT = 30  # announcements per author per hour
CREATE_WINDOW_SECONDS = 3600
CHUNK = 500  # recipients notified per transaction by the worker
INLINE_CHUNK = (
    100  # recipients notified inside the mutation that publishes (the worker does the rest)
)
CLAIM_BATCH = 50  # due announcements claimed per transaction
SWEEP_DAYS = 7  # published announcements whose fan-out the worker completes
EVENT_TYPE = "announcement_published"

log = structlog.get_logger(__name__)


def channel(course_id: uuid.UUID | None) -> str:
    return live.course_channel(course_id, "announcements")


# --- who may do what ---------------------------------------------------------------------------


def _is_admin(actor: Actor | None) -> bool:
    return actor is not None and actor.role == UserRole.ADMIN


def may_read(actor: Actor | None, row: Announcement, role: CourseRole | None) -> bool:
    """`role` is the caller's role in the row's course (ignored for platform ones)."""
    if actor is None:
        return False
    if row.course_id is None:
        return row.status == AnnouncementStatus.PUBLISHED or _is_admin(actor)
    if role == CourseRole.TEACHER:
        return True
    return role == CourseRole.STUDENT and row.status == AnnouncementStatus.PUBLISHED


def may_write(actor: Actor, row: Announcement, role: CourseRole | None) -> bool:
    if row.course_id is None:
        return _is_admin(actor)
    return role == CourseRole.TEACHER


async def _role(
    session: AsyncSession, actor: Actor, course_id: uuid.UUID | None
) -> CourseRole | None:
    if course_id is None:
        return None
    _, role = await role_in(session, actor, course_id)
    return role


async def _writable(
    session: AsyncSession, actor: Actor, announcement_id: uuid.UUID
) -> Announcement:
    row = await repo.lock(session, announcement_id)
    if row is None:
        raise NotFound("Announcement")
    role = await _role(session, actor, row.course_id)
    if not may_read(actor, row, role):
        raise NotFound("Announcement")
    if not may_write(actor, row, role):
        raise Forbidden("Only the course's instructors (admins for platform-wide ones) may")
    return row


# --- validation --------------------------------------------------------------------------------


def _title(errors: list[FieldError], value: str) -> str:
    value = value.strip()
    if not value:
        errors.append(FieldError("title", "Give the announcement a title", Common.REQUIRED))
    elif len(value) > TITLE_MAX:
        errors.append(FieldError("title", f"At most {TITLE_MAX} characters", Common.TOO_LONG))
    return value


def _body(errors: list[FieldError], value: str) -> str:
    if len(value) > BODY_MAX:
        errors.append(FieldError("body", f"At most {BODY_MAX} characters", Common.TOO_LONG))
        return value
    clean = sanitize_html(value)
    if not has_text(clean):
        errors.append(FieldError("body", "Write something", Common.REQUIRED))
    elif len(clean) > BODY_MAX:
        errors.append(FieldError("body", f"At most {BODY_MAX} characters", Common.TOO_LONG))
    return clean


# --- writes ------------------------------------------------------------------------------------


async def create_announcement(
    session: AsyncSession,
    *,
    actor: Actor,
    redis: Redis,
    title: str,
    body: str,
    course_id: uuid.UUID | None = None,
    publish_at: datetime | None = None,
) -> Announcement:
    """A course announcement (its teachers) or a platform-wide one (admins), published now or
    scheduled for `publish_at` (see the module docstring)."""
    if course_id is None:
        if not _is_admin(actor):
            raise Forbidden("Only admins send platform-wide announcements")
    else:
        _, role = await role_in(session, actor, course_id)
        if role != CourseRole.TEACHER:
            raise Forbidden("Only the course's instructors may announce to it")
    errors: list[FieldError] = []
    clean_title = _title(errors, title)
    clean_body = _body(errors, body)
    collect(errors)
    allowed = await hit(
        redis,
        f"announce:{actor.id}",
        limit=CREATE_LIMIT,
        window_seconds=CREATE_WINDOW_SECONDS,
    )
    if not allowed.allowed:
        raise RateLimited(allowed.reset_after, "Too many announcements, try again later")
    now = utcnow()
    row = Announcement(
        course_id=course_id,
        author_id=actor.id,
        title=clean_title,
        body=clean_body,
        status=AnnouncementStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    if publish_at is not None and publish_at > now:
        row.status = AnnouncementStatus.SCHEDULED
        row.scheduled_for = publish_at
        await session.flush()
    else:
        await session.flush()
        await _publish(session, row, now=now)
    await session.refresh(row)  # server-side timestamps
    return row


async def update_announcement(
    session: AsyncSession,
    *,
    actor: Actor,
    announcement_id: uuid.UUID,
    title: str | Unset = UNSET,
    body: str | Unset = UNSET,
    publish_at: datetime | Unset = UNSET,
) -> Announcement:
    """Change the given fields. A published one keeps its schedule (ANNOUNCEMENT_PUBLISHED);
    moving a scheduled one to now or the past publishes it now."""
    row = await _writable(session, actor, announcement_id)
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    if not isinstance(title, Unset):
        changes["title"] = _title(errors, title)
    if not isinstance(body, Unset):
        changes["body"] = _body(errors, body)
    if not isinstance(publish_at, Unset) and row.status == AnnouncementStatus.PUBLISHED:
        code = CommunicationCode.ANNOUNCEMENT_PUBLISHED
        errors.append(FieldError("publish_at", code.description, code))
    collect(errors)
    now = utcnow()
    if any(getattr(row, name) != value for name, value in changes.items()):
        earlier = {"title": row.title, "body": row.body, "edited_at": now.isoformat()}
        row.edit_history = [*row.edit_history, earlier]
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now
    if not isinstance(publish_at, Unset):
        if publish_at > now:
            row.status = AnnouncementStatus.SCHEDULED
            row.scheduled_for = publish_at
        else:
            await _publish(session, row, now=now)
    await session.flush()
    await session.refresh(row)  # server-side timestamps
    return row


async def delete_announcement(
    session: AsyncSession, *, actor: Actor, announcement_id: uuid.UUID
) -> uuid.UUID:
    """Delete one (any status): it disappears everywhere, a scheduled one is never published, and
    the row stays for moderation (soft delete); notifications already sent stay."""
    row = await _writable(session, actor, announcement_id)
    row.deleted_at = utcnow()
    await session.flush()
    return announcement_id


# --- reads -------------------------------------------------------------------------------------


async def list_announcements(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID | None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Announcement]:
    """A course's announcements for its members (teachers also see scheduled ones), or the
    platform-wide ones (admins also see scheduled ones); newest first."""
    if course_id is None:
        published_only = not _is_admin(actor)
    else:
        _, role = await role_in(session, actor, course_id)
        if role is None:
            raise Forbidden("Only the course's students and instructors see its announcements")
        published_only = role != CourseRole.TEACHER
    return await repo.page(
        session,
        course_id=course_id,
        published_only=published_only,
        request=request,
        with_total=with_total,
    )


# --- publishing --------------------------------------------------------------------------------


async def _publish(session: AsyncSession, row: Announcement, *, now: datetime) -> None:
    """Publish in the caller's transaction: status, live event, the first chunk notified."""
    row.status = AnnouncementStatus.PUBLISHED
    row.published_at = now
    await session.flush()
    await announce(session, row)


async def announce(session: AsyncSession, row: Announcement) -> int:
    """The effects of a publication (the row is already published and locked by the caller):
    the live event and the first chunk of notifications; returns how many were notified."""
    await live.publish(
        session, channel(row.course_id), {"type": EVENT_TYPE, "announcement_id": str(row.id)}
    )
    notified, _ = await notify_chunk(session, row, after=None, limit=INLINE_CHUNK)
    return notified


async def notify_chunk(
    session: AsyncSession, row: Announcement, *, after: uuid.UUID | None, limit: int = CHUNK
) -> tuple[int, uuid.UUID | None]:
    """Notify the next chunk of recipients not yet notified; returns how many, and the cursor
    for the next chunk (None when this was the last)."""
    recipients = await repo.unnotified_recipients(session, row, after=after, limit=limit)
    if not recipients:
        return 0, None
    title, body, url = await _notification_text(session, row)
    for user_id in recipients:
        await notify(
            session,
            recipient_id=user_id,
            type=NotificationType.ANNOUNCEMENT,
            title=title,
            body=body,
            category=NotificationCategory.COURSE,
            action_url=url,
            metadata={
                "announcement_id": str(row.id),
                "course_id": str(row.course_id) if row.course_id else None,
            },
        )
    return len(recipients), recipients[-1] if len(recipients) == limit else None


async def _notification_text(session: AsyncSession, row: Announcement) -> tuple[str, str, str]:
    frontend = get_settings().frontend_url.rstrip("/")
    text = plain_text(row.body)
    body = text if len(text) <= 500 else text[:499] + "…"
    if row.course_id is None:
        return row.title, body, f"{frontend}/announcements/{row.id}"
    course = await get_course(session, row.course_id)
    prefix = f"{course.title}: " if course is not None else ""
    return (
        f"{prefix}{row.title}",
        body,
        f"{frontend}/courses/{row.course_id}/announcements/{row.id}",
    )


@dataclass(frozen=True)
class PublishRun:
    published: int = 0
    notified: int = 0


async def publish_due_announcements(
    db: Database, redis: Redis | None = None, *, now: datetime | None = None
) -> PublishRun:
    """The worker's job: publish every scheduled announcement that is due (exactly once across
    any number of concurrent runs), then complete the fan-out of recent publications."""
    now = now or utcnow()
    published = 0
    while True:
        async with db.transaction() as session:
            claimed = await repo.claim_due(session, now=now, limit=CLAIM_BATCH)
            for row in claimed:
                await live.publish(
                    session,
                    channel(row.course_id),
                    {"type": EVENT_TYPE, "announcement_id": str(row.id)},
                )
        published += len(claimed)
        for row in claimed:
            log.info("announcement.published", announcement_id=str(row.id))
        if len(claimed) < CLAIM_BATCH:
            break
    notified = await fan_out_recent(db, redis, now=now)
    return PublishRun(published=published, notified=notified)


def _done_key(announcement_id: uuid.UUID) -> str:
    return f"announcements:fanned_out:{announcement_id}"


async def fan_out_recent(db: Database, redis: Redis | None, *, now: datetime) -> int:
    """Notify whoever has not been notified of the announcements published in the last
    SWEEP_DAYS days, chunk by chunk (each chunk a transaction holding the row lock). A finished
    fan-out is remembered in Redis (a shortcut only: the notification rows are the truth)."""
    async with db.session() as session:
        ids = await repo.recently_published(
            session, since=now - timedelta(days=SWEEP_DAYS), limit=1000
        )
    if redis is not None and ids:
        done = await redis.mget([_done_key(i) for i in ids])
        ids = [i for i, mark in zip(ids, done, strict=True) if mark is None]
    total = 0
    for announcement_id in ids:
        count, finished = await fan_out(db, announcement_id)
        total += count
        if finished and redis is not None:
            await redis.set(_done_key(announcement_id), "1", ex=(SWEEP_DAYS + 1) * 86400)
    return total


async def fan_out(db: Database, announcement_id: uuid.UUID) -> tuple[int, bool]:
    """Notify every recipient of one published announcement not notified yet; returns how
    many, and whether it finished (it stops when another transaction holds the row: that one
    is notifying them)."""
    total = 0
    after: uuid.UUID | None = None
    while True:
        async with db.transaction() as session:
            row = await repo.lock_if_free(session, announcement_id)
            if row is None:
                return total, False
            if row.status != AnnouncementStatus.PUBLISHED:
                return total, True
            count, after = await notify_chunk(session, row, after=after)
        total += count
        if after is None:
            return total, True
