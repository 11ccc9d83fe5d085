"""Who sees which assessment, decided over the per-request loaders (no session here).

- A quiz is visible to whoever sees the course of its lesson (`app.catalog.visibility`); its
  answer keys only to the course's teachers (owner, co-instructors) and admins.
- Assignments and exams are visible to the course's teachers and admins and to the students
  whose enrollment opens the course (active or completed).
- A quiz attempt or a submission is visible to its student and the course's teachers.
The viewer's enrollments and co-taught courses are read once per request (`catalog.access`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from app.catalog import visibility
from app.catalog.models import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.relay import NOWHERE

R = TypeVar("R")


@dataclass(frozen=True)
class Seat:
    """What the viewer is in a course: its teacher, its student, or neither."""

    course: Course
    teaches: bool
    enrolled: bool

    @property
    def member(self) -> bool:
        return self.teaches or self.enrolled


async def seats(info: Info, course_ids: Sequence[uuid.UUID | None]) -> list[Seat | None]:
    """The viewer's seat in each course (None where the course is gone or the caller anonymous)."""
    viewer = await viewer_of(info)
    if viewer is None:
        return [None for _ in course_ids]
    loaders = info.context.loaders.catalog
    courses = await loaders.courses.load_many([i or NOWHERE for i in course_ids])
    access = await loaders.access.load(viewer.id)
    return [
        None
        if course is None
        else Seat(
            course,
            visibility.teaches(viewer, course, access),
            course.id in access.enrolled,
        )
        for course in courses
    ]


async def lesson_courses(
    info: Info, lesson_ids: Sequence[uuid.UUID | None]
) -> list[uuid.UUID | None]:
    """The course of each lesson (None where the lesson is gone)."""
    lessons = await info.context.loaders.catalog.lessons.load_many(
        [i or NOWHERE for i in lesson_ids]
    )
    return [lesson.course_id if lesson is not None else None for lesson in lessons]


async def lesson_seats(info: Info, lesson_ids: Sequence[uuid.UUID | None]) -> list[Seat | None]:
    """The viewer's seat in the course of each lesson (of a quiz, an assignment)."""
    return await seats(info, await lesson_courses(info, lesson_ids))


def admit(
    rows: Sequence[R | None], found: Sequence[Seat | None], rule: Callable[[R, Seat], bool]
) -> list[R | None]:
    """Each row whose course seat passes `rule`, else None."""
    return [
        row if row is not None and seat is not None and rule(row, seat) else None
        for row, seat in zip(rows, found, strict=True)
    ]


async def own_or_taught(
    info: Info,
    rows: Sequence[R | None],
    course_ids: Sequence[uuid.UUID | None],
    student_id: Callable[[R], uuid.UUID],
) -> list[R | None]:
    """The rows (attempts, submissions) the viewer may see: their student's own, and those of
    the courses the viewer teaches."""
    viewer = await viewer_of(info)
    if viewer is None:
        return [None for _ in rows]
    found = await seats(info, course_ids)
    return admit(rows, found, lambda row, seat: student_id(row) == viewer.id or seat.teaches)


async def visible_courses(
    info: Info, course_ids: Sequence[uuid.UUID | None]
) -> list[Course | None]:
    """The courses the viewer may see (anonymous callers too), else None."""
    loaders = info.context.loaders.catalog
    courses = await loaders.courses.load_many([i or NOWHERE for i in course_ids])
    viewer = await viewer_of(info)
    needs = any(c is not None and visibility.needs_access_for_course(viewer, c) for c in courses)
    access = (
        await loaders.access.load(viewer.id)
        if needs and viewer is not None
        else visibility.NO_ACCESS
    )
    return [
        c if c is not None and visibility.can_see_course(viewer, c, access) else None
        for c in courses
    ]
