"""SQL of modules, lessons and the resources attached to courses and lessons."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import CourseModule, CourseResource, Lesson, LessonResource
from app.catalog.repo.keys import by_key, grouped
from app.db import rows_with, save

# --- modules and lessons ---------------------------------------------------------------------


async def get_module(session: AsyncSession, module_id: uuid.UUID) -> CourseModule | None:
    return await session.get(CourseModule, module_id)


async def get_lesson(session: AsyncSession, lesson_id: uuid.UUID) -> Lesson | None:
    return await session.get(Lesson, lesson_id)


async def lessons_using_video(session: AsyncSession, video_id: uuid.UUID) -> list[Lesson]:
    """Every lesson showing this video, locked for the update that follows."""
    rows = await session.scalars(
        select(Lesson)
        .where(Lesson.video_asset_id == video_id)
        .order_by(Lesson.id)
        .with_for_update()
    )
    return list(rows)


async def modules_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[CourseModule | None]:
    rows = await rows_with(session, CourseModule.id, ids)
    return by_key(ids, [(m.id, m) for m in rows])


async def lessons_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Lesson | None]:
    rows = await rows_with(session, Lesson.id, ids)
    return by_key(ids, [(lesson.id, lesson) for lesson in rows])


async def modules_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CourseModule]]:
    rows = await session.scalars(
        select(CourseModule)
        .where(CourseModule.course_id.in_(course_ids))
        .order_by(CourseModule.order_number)
    )
    return grouped(course_ids, [(m.course_id, m) for m in rows])


async def lessons_by_module_ids(
    session: AsyncSession, module_ids: Sequence[uuid.UUID]
) -> list[list[Lesson]]:
    rows = await session.scalars(
        select(Lesson).where(Lesson.module_id.in_(module_ids)).order_by(Lesson.order_number)
    )
    return grouped(module_ids, [(lesson.module_id, lesson) for lesson in rows])


async def renumber(session: AsyncSession, ordered: Sequence[CourseModule | Lesson]) -> None:
    """Order numbers 1..n in the given order (the unique constraints are deferred)."""
    for number, row in enumerate(ordered, start=1):
        if row.order_number != number:
            row.order_number = number
    await save(session, *ordered)


@dataclass(frozen=True)
class LessonStats:
    lesson_count: int = 0
    duration_minutes: int = 0


async def lesson_stats_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[LessonStats]:
    """Per course: how many lessons it has and the sum of their durations."""
    rows = await session.execute(
        select(Lesson.course_id, func.count(), func.coalesce(func.sum(Lesson.duration_minutes), 0))
        .where(Lesson.course_id.in_(course_ids))
        .group_by(Lesson.course_id)
    )
    found = {r[0]: LessonStats(int(r[1]), int(r[2])) for r in rows}
    return [found.get(key, LessonStats()) for key in course_ids]


# --- resources -------------------------------------------------------------------------------


async def get_course_resource(
    session: AsyncSession, resource_id: uuid.UUID
) -> CourseResource | None:
    return await session.get(CourseResource, resource_id)


async def get_lesson_resource(
    session: AsyncSession, resource_id: uuid.UUID
) -> LessonResource | None:
    return await session.get(LessonResource, resource_id)


async def count_course_resources(session: AsyncSession, course_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(CourseResource.course_id == course_id)
    return int(await session.scalar(stmt) or 0)


async def count_lesson_resources(session: AsyncSession, lesson_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(LessonResource.lesson_id == lesson_id)
    return int(await session.scalar(stmt) or 0)


async def lesson_resources_by_lesson_ids(
    session: AsyncSession, lesson_ids: Sequence[uuid.UUID]
) -> list[list[LessonResource]]:
    rows = await session.scalars(
        select(LessonResource)
        .where(LessonResource.lesson_id.in_(lesson_ids))
        .order_by(LessonResource.sort_order, LessonResource.id)
    )
    return grouped(lesson_ids, [(r.lesson_id, r) for r in rows])


async def course_resources_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CourseResource]]:
    rows = await session.scalars(
        select(CourseResource)
        .where(CourseResource.course_id.in_(course_ids))
        .order_by(CourseResource.sort_order, CourseResource.id)
    )
    return grouped(course_ids, [(r.course_id, r) for r in rows])
