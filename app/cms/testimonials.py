"""Testimonials: signed-in users write them, admins (`cms.manage`) approve, reject and feature
them, everyone reads the approved ones.

Rules:
- The name shown is the author's profile name at submission (a submitted name is never taken);
  `role` (e.g. "Data analyst") is the author's own words. Content is plain text (display it
  escaped), 10-2,000 characters; role at most 150; rating 1-5; an optional course the author
  is (or was) enrolled in.
- A user has at most one testimonial waiting for review (TESTIMONIAL_PENDING; a partial unique
  index keeps it so under concurrent submissions).
- Approving or rejecting decides a pending one once (TESTIMONIAL_DECIDED afterwards). Only an
  approved one can be featured (TESTIMONIAL_NOT_APPROVED; a CHECK constraint too). The admin
  mutations are audited by the mutation pipeline (privileged).
- Readers see approved ones; pending and rejected ones are listed for admins (all) and their
  authors (their own).
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import get_user
from app.catalog import access_by_user_ids, get_course
from app.catalog.rules import text
from app.clock import utcnow
from app.cms.errors import CmsCode
from app.cms.models import Testimonial
from app.cms.repo import testimonials as repo
from app.errors import Common, Conflict, FieldError, NotFound, collect
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, has_permission, require_permission

CONTENT_MIN = 10
CONTENT_MAX = 2000
ROLE_MAX = 150
STATUSES = ("approved", "pending", "rejected")


def _content(errors: list[FieldError], value: str) -> str:
    cleaned = " ".join(value.split())
    if len(value) > CONTENT_MAX:
        errors.append(FieldError("content", f"At most {CONTENT_MAX} characters", Common.TOO_LONG))
    elif len(cleaned) < CONTENT_MIN:
        code = Common.TOO_SHORT
        errors.append(FieldError("content", f"At least {CONTENT_MIN} characters", code))
    return cleaned


async def _course(
    session: AsyncSession, errors: list[FieldError], actor: Actor, course_id: uuid.UUID | None
) -> uuid.UUID | None:
    if course_id is None:
        return None
    course = await get_course(session, course_id)
    (access,) = await access_by_user_ids(session, [actor.id])
    if course is None or course.id not in access.enrolled:
        errors.append(FieldError("course_id", "Choose a course you take", Common.INVALID))
        return None
    return course.id


async def submit_testimonial(
    session: AsyncSession,
    *,
    actor: Actor,
    content: str,
    rating: int,
    role: str | None = None,
    course_id: uuid.UUID | None = None,
) -> Testimonial:
    """A pending testimonial by the actor, named after their profile."""
    errors: list[FieldError] = []
    clean_content = _content(errors, content)
    clean_role = text(errors, "role", role, max_length=ROLE_MAX, required=False)
    if not 1 <= rating <= 5:
        errors.append(FieldError("rating", "Rate from 1 to 5", Common.OUT_OF_RANGE))
    course = await _course(session, errors, actor, course_id)
    collect(errors)
    user = await get_user(session, actor.id)
    if user is None:
        raise NotFound("User")
    now = utcnow()
    row = Testimonial(
        user_id=actor.id,
        course_id=course,
        name=user.full_name[:150] or "A learner",
        role=clean_role,
        content=clean_content,
        rating=rating,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        if repo.PENDING_INDEX not in str(exc.orig):
            raise
        code = CmsCode.TESTIMONIAL_PENDING
        raise Conflict(None, code.description, code) from None
    return row


async def _decidable(session: AsyncSession, actor: Actor, testimonial_id: uuid.UUID) -> Testimonial:
    require_permission(actor, Permission.CMS_MANAGE)
    row = await repo.lock(session, testimonial_id)
    if row is None:
        raise NotFound("Testimonial")
    return row


def _decided() -> Conflict:
    code = CmsCode.TESTIMONIAL_DECIDED
    return Conflict(None, code.description, code)


async def approve_testimonial(
    session: AsyncSession, *, actor: Actor, testimonial_id: uuid.UUID
) -> Testimonial:
    row = await _decidable(session, actor, testimonial_id)
    if row.is_approved or row.rejected_at is not None:
        raise _decided()
    row.is_approved, row.approved_by_id = True, actor.id
    row.approved_at = row.updated_at = utcnow()
    await session.flush()
    return row


async def reject_testimonial(
    session: AsyncSession, *, actor: Actor, testimonial_id: uuid.UUID
) -> Testimonial:
    """Refuse a pending one (its author may then submit another)."""
    row = await _decidable(session, actor, testimonial_id)
    if row.is_approved or row.rejected_at is not None:
        raise _decided()
    row.rejected_by_id = actor.id
    row.rejected_at = row.updated_at = utcnow()
    await session.flush()
    return row


async def feature_testimonial(
    session: AsyncSession, *, actor: Actor, testimonial_id: uuid.UUID, featured: bool
) -> Testimonial:
    row = await _decidable(session, actor, testimonial_id)
    if featured and not row.is_approved:
        code = CmsCode.TESTIMONIAL_NOT_APPROVED
        raise Conflict("featured", code.description, code)
    row.is_featured = featured
    row.updated_at = utcnow()
    await session.flush()
    return row


async def list_testimonials(
    session: AsyncSession,
    *,
    actor: Actor | None,
    request: PageRequest,
    status: str = "approved",
    featured: bool | None = None,
    with_total: bool = False,
) -> Page[Testimonial]:
    """Approved ones for anyone; pending and rejected ones: all for admins, their own for
    other signed-in users, none for anonymous callers."""
    author: uuid.UUID | None = None
    if status != "approved" and not (
        actor is not None and has_permission(actor, Permission.CMS_MANAGE)
    ):
        if actor is None:
            return Page([], [], False, False, 0 if with_total else None)
        author = actor.id
    return await repo.page(
        session,
        status=status,
        featured=featured,
        request=request,
        with_total=with_total,
        user_id=author,
    )
