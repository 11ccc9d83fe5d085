"""A user's in-app notifications: the list (newest first, expired ones hidden), the unread count,
marking read. Each user sees and changes only their own; ids of others' notifications are
ignored like unknown ids (no error that would reveal they exist)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.errors import Common, FieldError, UserFacingError
from app.notifications import repo
from app.notifications.models import Notification, NotificationCategory, NotificationType
from app.pagination import Page, PageRequest
from app.security.permissions import Actor

MAX_IDS = 100


async def list_notifications(
    session: AsyncSession,
    *,
    actor: Actor,
    unread_only: bool = False,
    types: Sequence[NotificationType] = (),
    category: NotificationCategory | None = None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Notification]:
    return await repo.list_notifications(
        session,
        recipient_id=actor.id,
        now=utcnow(),
        unread_only=unread_only,
        types=types,
        category=category,
        request=request,
        with_total=with_total,
    )


async def unread_count(session: AsyncSession, *, actor: Actor) -> int:
    return await repo.unread_count(session, recipient_id=actor.id, now=utcnow())


async def mark_read(
    session: AsyncSession, *, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Notification]:
    """Mark these notifications of the caller read (read_at now); the ones that changed."""
    if len(ids) > MAX_IDS:
        raise UserFacingError([FieldError("ids", f"At most {MAX_IDS} ids", Common.TOO_MANY)])
    if not ids:
        return []
    changed = await repo.mark_read(session, recipient_id=actor.id, ids=list(set(ids)), now=utcnow())
    rows = await repo.notifications_by_ids(session, changed)
    return [row for row in rows if row is not None]


async def mark_all_read(session: AsyncSession, *, actor: Actor) -> int:
    """Mark every unread notification of the caller read; how many changed."""
    return len(await repo.mark_read(session, recipient_id=actor.id, ids=None, now=utcnow()))
