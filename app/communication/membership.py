"""Who takes part in a course's communication (discussions, announcements, presence).

The course's teachers — its owner, its co-instructors, and admins — and its students with access
(an active or completed enrollment; dropped, refunded and revoked enrollments do not count). The
rule is one pure function (`course_role`) so services (with a session) and live subscriptions
(with loaders, checked again for every event) decide the same way.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.catalog import CourseAccess, access_by_user_ids, get_course
from app.catalog.models import Course
from app.errors import Forbidden, NotFound
from app.security.permissions import Actor


class CourseRole(enum.StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"


def course_role(actor: Actor | None, course: Course, access: CourseAccess) -> CourseRole | None:
    if actor is None:
        return None
    if actor.role == UserRole.ADMIN or course.instructor_id == actor.id:
        return CourseRole.TEACHER
    if course.id in access.teaching:
        return CourseRole.TEACHER
    if course.id in access.enrolled:
        return CourseRole.STUDENT
    return None


async def member_of(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> CourseRole:
    """The caller's role in the course: NOT_FOUND for no such course, FORBIDDEN for a course
    they neither teach nor learn in."""
    _, role = await role_in(session, actor, course_id)
    if role is None:
        raise Forbidden("Only the course's students and instructors take part in it")
    return role


async def role_in(
    session: AsyncSession, actor: Actor, course_id: uuid.UUID
) -> tuple[Course, CourseRole | None]:
    course = await get_course(session, course_id)
    if course is None:
        raise NotFound("Course")
    [access] = await access_by_user_ids(session, [actor.id])
    return course, course_role(actor, course, access)


async def teacher_of(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> Course:
    """The course, when the caller teaches it (FORBIDDEN otherwise)."""
    course, role = await role_in(session, actor, course_id)
    if role != CourseRole.TEACHER:
        raise Forbidden("Only the course's instructors may do this")
    return course
