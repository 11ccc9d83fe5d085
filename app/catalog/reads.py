"""The catalog read repository: batch reads for the loaders and the course lists.

Every batch read takes a list of keys and returns one entry per key in key order (None or an
empty list where nothing matches) with ONE statement, whatever the number of keys. Batch reads the
authoring side already needs live in `app.catalog.repo` and are re-exported here, so loaders
import from one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import filters
from app.catalog.models import (
    Course,
    CourseInstructor,
    CourseModule,
    CourseResource,
    CourseStatus,
    InstructorProfile,
    Lesson,
    LessonResource,
)
from app.catalog.repo import (
    categories_by_ids,
    courses_by_ids,
    lessons_by_module_ids,
    list_categories,
    modules_by_course_ids,
    objectives_by_course_ids,
    requirements_by_course_ids,
    tags_by_course_ids,
    tiers_by_course_ids,
)
from app.catalog.visibility import ACCESS_STATUSES, CourseAccess
from app.learning.models import Enrollment
from app.pagination import Page, PageRequest, paginate

__all__ = [
    "LessonStats",
    "access_by_user_ids",
    "categories_by_ids",
    "course_resources_by_course_ids",
    "courses_by_ids",
    "courses_by_slugs",
    "instructor_profiles_by_user_ids",
    "lesson_resources_by_lesson_ids",
    "lesson_stats_by_course_ids",
    "lessons_by_ids",
    "lessons_by_module_ids",
    "list_categories",
    "list_courses",
    "modules_by_course_ids",
    "modules_by_ids",
    "objectives_by_course_ids",
    "requirements_by_course_ids",
    "tags_by_course_ids",
    "tiers_by_course_ids",
]

K = TypeVar("K")
V = TypeVar("V")


def _by_key(keys: Sequence[K], pairs: Sequence[tuple[K, V]]) -> list[V | None]:
    found = dict(pairs)
    return [found.get(key) for key in keys]


def _grouped(keys: Sequence[K], pairs: Sequence[tuple[K, V]]) -> list[list[V]]:
    groups: dict[K, list[V]] = {key: [] for key in keys}
    for key, value in pairs:
        groups[key].append(value)
    return [groups[key] for key in keys]


# --- single rows by key ------------------------------------------------------------------------


async def courses_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> list[Course | None]:
    rows = await session.scalars(select(Course).where(Course.slug.in_(slugs)))
    return _by_key(slugs, [(c.slug, c) for c in rows])


async def modules_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[CourseModule | None]:
    rows = await session.scalars(select(CourseModule).where(CourseModule.id.in_(ids)))
    return _by_key(ids, [(m.id, m) for m in rows])


async def lessons_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Lesson | None]:
    rows = await session.scalars(select(Lesson).where(Lesson.id.in_(ids)))
    return _by_key(ids, [(lesson.id, lesson) for lesson in rows])


async def instructor_profiles_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[InstructorProfile | None]:
    rows = await session.scalars(
        select(InstructorProfile).where(InstructorProfile.user_id.in_(user_ids))
    )
    return _by_key(user_ids, [(p.user_id, p) for p in rows])


# --- children by parent key --------------------------------------------------------------------


async def lesson_resources_by_lesson_ids(
    session: AsyncSession, lesson_ids: Sequence[uuid.UUID]
) -> list[list[LessonResource]]:
    rows = await session.scalars(
        select(LessonResource)
        .where(LessonResource.lesson_id.in_(lesson_ids))
        .order_by(LessonResource.sort_order, LessonResource.id)
    )
    return _grouped(lesson_ids, [(r.lesson_id, r) for r in rows])


async def course_resources_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CourseResource]]:
    rows = await session.scalars(
        select(CourseResource)
        .where(CourseResource.course_id.in_(course_ids))
        .order_by(CourseResource.sort_order, CourseResource.id)
    )
    return _grouped(course_ids, [(r.course_id, r) for r in rows])


@dataclass(frozen=True)
class LessonStats:
    lesson_count: int = 0
    duration_minutes: int = 0


async def lesson_stats_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[LessonStats]:
    rows = await session.execute(
        select(Lesson.course_id, func.count(), func.coalesce(func.sum(Lesson.duration_minutes), 0))
        .where(Lesson.course_id.in_(course_ids))
        .group_by(Lesson.course_id)
    )
    found = {r[0]: LessonStats(int(r[1]), int(r[2])) for r in rows}
    return [found.get(key, LessonStats()) for key in course_ids]


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


# --- lists -------------------------------------------------------------------------------------


async def list_courses(
    session: AsyncSession,
    *,
    filter_args: filters.CourseFilterArgs | None = None,
    sort: str = "popularity",
    request: PageRequest,
    published_only: bool = True,
    instructor_id: uuid.UUID | None = None,
    status: CourseStatus | None = None,
    with_total: bool = False,
) -> Page[Course]:
    """One keyset page of courses; validate `filter_args` first (`filters.validate_filter`)."""
    stmt: Select[Any] = select(Course)
    if published_only:
        stmt = filters.published_only(stmt)
    if instructor_id is not None:
        stmt = stmt.where(Course.instructor_id == instructor_id)
    if status is not None:
        stmt = stmt.where(Course.status == status)
    if filter_args is not None:
        stmt = filters.apply_course_filter(stmt, filter_args)
    return await paginate(
        session,
        stmt,
        order_by=filters.course_sort_keys(sort),
        tiebreaker=Course.id.expression,
        request=request,
        with_total=with_total,
    )
