"""SQL of who teaches and learns in courses: instructor profiles and each user's course access."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import CourseInstructor, InstructorProfile
from app.catalog.repo.keys import by_key
from app.catalog.visibility import ACCESS_STATUSES, CourseAccess
from app.learning.models import Enrollment


async def instructor_profiles_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[InstructorProfile | None]:
    rows = await session.scalars(
        select(InstructorProfile).where(InstructorProfile.user_id.in_(user_ids))
    )
    return by_key(user_ids, [(p.user_id, p) for p in rows])


async def access_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[CourseAccess]:
    """Per user: the courses they are enrolled in with access, and those they co-teach."""
    enrolled = select(Enrollment.student_id, Enrollment.course_id, literal("e")).where(
        Enrollment.student_id.in_(user_ids), Enrollment.status.in_(ACCESS_STATUSES)
    )
    teaching = select(CourseInstructor.user_id, CourseInstructor.course_id, literal("t")).where(
        CourseInstructor.user_id.in_(user_ids)
    )
    rows = (await session.execute(union_all(enrolled, teaching))).all()
    found: dict[uuid.UUID, tuple[set[uuid.UUID], set[uuid.UUID]]] = {
        key: (set(), set()) for key in user_ids
    }
    for user_id, course_id, kind in rows:
        found[user_id][0 if kind == "e" else 1].add(course_id)
    return [CourseAccess(frozenset(e), frozenset(t)) for e, t in (found[k] for k in user_ids)]
