"""Shared authoring rules: who may change a course, input checks, change events.

The caller of every authoring service is an `app.security.permissions.Actor` (built at the API
edge), so admin-only capabilities (managing any course, reviewing, categories) follow
MFA_REQUIRED_FOR_ADMINS: an admin without a second factor in the session is refused them.
"""

from __future__ import annotations

import enum
import re
import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repo
from app.catalog.models import Course, CourseInstructorRole, CourseStatus
from app.catalog.repo.instructors import role_on_course
from app.errors import Common, FieldError, Forbidden, NotFound
from app.outbox import emit
from app.security.permissions import (
    MFA_REQUIRED_FOR_ADMINS_MESSAGE,
    Actor,
    Permission,
    has_permission,
)


class Unset(enum.Enum):
    """Marks an update argument the caller did not give (None means "clear")."""

    UNSET = 0


UNSET: Final = Unset.UNSET

COURSE_CHANGED = "catalog.course_changed"
CATEGORY_CHANGED = "catalog.category_changed"

_URL = re.compile(r"^https?://[^\s]+$")


def can_edit(actor: Actor, course: Course) -> bool:
    """The owner while still an instructor, or anyone who manages all courses (admins)."""
    if has_permission(actor, Permission.COURSES_MANAGE):
        return True
    return course.instructor_id == actor.id and has_permission(actor, Permission.COURSES_CREATE)


def deny(actor: Actor, course: Course, *, member: bool = False) -> Exception:
    """FORBIDDEN only where the course is public anyway (or the caller is on its teaching team,
    `member`, and sees it); otherwise its existence stays hidden (SPEC §2), so another instructor
    poking at a draft gets NOT_FOUND. An admin whose session lacks the second factor that
    MFA_REQUIRED_FOR_ADMINS demands sees every course anyway and is told why they are refused."""
    if isinstance(actor, Actor) and actor.admin_mfa_missing:
        return Forbidden(MFA_REQUIRED_FOR_ADMINS_MESSAGE)
    if course.status == CourseStatus.PUBLISHED or course.instructor_id == actor.id or member:
        return Forbidden()
    return NotFound("Course")


async def course_for_author(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> Course:
    """The course, row-locked so structural changes to one course run one at a time, for whoever
    edits its content: the owner, a co-instructor (both while still instructors) or an admin.
    Teaching assistants may not (FORBIDDEN)."""
    course = await repo.get_course(session, course_id, for_update=True)
    if course is None:
        raise NotFound("Course")
    if can_edit(actor, course):
        return course
    role = await role_on_course(session, course.id, actor.id)
    if role == CourseInstructorRole.CO_INSTRUCTOR and has_permission(
        actor, Permission.COURSES_CREATE
    ):
        return course
    raise deny(actor, course, member=role is not None)


async def course_for_owner(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> Course:
    """The course, row-locked, for its owner (while an instructor) or an admin: pricing,
    publication, archiving, deletion, certification and the teaching team."""
    course = await repo.get_course(session, course_id, for_update=True)
    if course is None:
        raise NotFound("Course")
    if not can_edit(actor, course):
        member = await role_on_course(session, course.id, actor.id) is not None
        raise deny(actor, course, member=member)
    return course


async def course_changed(session: AsyncSession, course_id: uuid.UUID, change: str) -> None:
    """Cache invalidation and search indexing follow this event (after commit, via the outbox)."""
    await emit(session, COURSE_CHANGED, {"course_id": str(course_id), "change": change})


def text(
    errors: list[FieldError],
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = True,
) -> str | None:
    """Stripped text, or None; records REQUIRED / TOO_LONG in `errors`."""
    cleaned = value.strip() if value is not None else None
    if not cleaned:
        if required:
            errors.append(FieldError(field, "This field is required", Common.REQUIRED))
        return None
    if len(cleaned) > max_length:
        errors.append(
            FieldError(field, f"At most {max_length} characters are allowed", Common.TOO_LONG)
        )
    return cleaned


def url(errors: list[FieldError], field: str, value: str | None) -> str | None:
    cleaned = text(errors, field, value, max_length=1000, required=False)
    if cleaned is not None and not _URL.match(cleaned):
        errors.append(FieldError(field, "Enter an http(s) link", Common.INVALID_URL))
    return cleaned


def text_list(
    errors: list[FieldError], field: str, values: list[str], *, max_items: int, max_length: int
) -> list[str]:
    if len(values) > max_items:
        errors.append(
            FieldError(field, f"At most {max_items} entries are allowed", Common.TOO_MANY)
        )
    cleaned = [
        text(errors, f"{field}[{i}]", v, max_length=max_length) for i, v in enumerate(values)
    ]
    return [c for c in cleaned if c is not None]
