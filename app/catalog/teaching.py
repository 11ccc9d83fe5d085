"""A course's teaching team: the owner, co-instructors and teaching assistants, and their rights.

| right | owner | co-instructor | teaching assistant |
|---|---|---|---|
| see the course (drafts too) and all its lessons | yes | yes | yes |
| edit details, modules, lessons, resources, quizzes, assignments, exams | yes | yes | no |
| grade, read the grading queue and the gradebook | yes | yes | yes |
| pricing, submitting for review, archiving, deleting, certification, the team | yes | no | no |

Admins have every right on every course. The owner and co-instructors hold their rights while
their account is an instructor's; a co-instructor must be one when added (NOT_AN_INSTRUCTOR).
A teaching assistant may be any active account (an advanced student, say): their rights come
from the course alone. Only the owner (or an admin) manages the team; adding someone already on
it with another role changes their role. Every change re-renders the course's public pages
(COURSE_CHANGED) and tells the person added.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.accounts import service as accounts
from app.accounts.models import User, UserRole
from app.catalog.errors import CatalogCode
from app.catalog.models import Course, CourseInstructor, CourseInstructorRole
from app.catalog.repo import instructors as instructors_repo
from app.catalog.rules import course_changed, course_for_owner
from app.errors import Common, Conflict, FieldError, Invalid, collect
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor

MAX_TEAM = 20
MAX_EMAIL = 254


async def teaching_role(
    session: AsyncSession, *, course_id: uuid.UUID, user_id: uuid.UUID
) -> CourseInstructorRole | None:
    """The user's role on the course's team beside the owner, if any."""
    return await instructors_repo.role_on_course(session, course_id, user_id)


async def add_course_instructor(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    role: CourseInstructorRole,
    user_id: uuid.UUID | None = None,
    email: str | None = None,
) -> tuple[Course, CourseInstructor]:
    """The user (by id or by e-mail address, exactly one) joins the team with `role`."""
    course = await course_for_owner(session, actor, course_id)
    user = await _person(session, user_id, email)
    field = "user_id" if user_id is not None else "email"
    errors: list[FieldError] = []
    if user.id == course.instructor_id:
        errors.append(FieldError(field, "The owner teaches already", CatalogCode.ALREADY_ON_TEAM))
    if role == CourseInstructorRole.CO_INSTRUCTOR and user.role == UserRole.STUDENT:
        errors.append(
            FieldError(field, "Co-instructors are instructors", CatalogCode.NOT_AN_INSTRUCTOR)
        )
    collect(errors)
    member = await instructors_repo.team_member(session, course.id, user.id)
    if member is not None and member.role == role:
        raise Conflict(field, "Already on the team in this role", CatalogCode.ALREADY_ON_TEAM)
    if member is None:
        team = await instructors_repo.teams_by_course_ids(session, [course.id])
        if len(team[0]) >= MAX_TEAM:
            raise Conflict(None, f"At most {MAX_TEAM} people", CatalogCode.TEAM_FULL)
        member = CourseInstructor(course_id=course.id, user_id=user.id, role=role)
        await db.add(session, member)
    else:
        member.role = role
        await db.save(session, member)
    await notify(
        session,
        recipient_id=user.id,
        type=NotificationType.COURSE_UPDATE,
        category=NotificationCategory.COURSE,
        title=f"You now help teach “{course.title}”",
        body="You were added as a co-instructor."
        if role == CourseInstructorRole.CO_INSTRUCTOR
        else "You were added as a teaching assistant.",
        metadata={"course_id": str(course.id)},
        group_key=f"team:{course.id}",
    )
    await course_changed(session, course.id, "team")
    return course, member


async def remove_course_instructor(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID, user_id: uuid.UUID
) -> Course:
    course = await course_for_owner(session, actor, course_id)
    if not await instructors_repo.remove_team_member(session, course.id, user_id):
        raise Invalid("user_id", "Not on this course's team", CatalogCode.NOT_ON_TEAM)
    await course_changed(session, course.id, "team")
    return course


async def _person(session: AsyncSession, user_id: uuid.UUID | None, email: str | None) -> User:
    if (user_id is None) == (email is None):
        raise Invalid(None, "Give exactly one of userId and email")
    if user_id is not None:
        user, field = await accounts.get_user(session, user_id), "user_id"
    else:
        assert email is not None
        if len(email) > MAX_EMAIL:
            raise Invalid("email", f"At most {MAX_EMAIL} characters", Common.TOO_LONG)
        user, field = await accounts.get_user_by_email(session, email.strip().lower()), "email"
    if user is None or not user.is_active or user.deleted_at is not None:
        raise Invalid(field, "No active account has this id or address", CatalogCode.USER_NOT_FOUND)
    return user
