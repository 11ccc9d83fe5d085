"""Per-request batch loaders of the catalog (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import reads
from app.catalog.models import (
    Category,
    Course,
    CourseModule,
    CoursePricingTier,
    CourseResource,
    InstructorProfile,
    Lesson,
    LessonResource,
    Tag,
)
from app.catalog.visibility import CourseAccess
from app.db import Database

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _loader(
    db: Database, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[list[T]]]
) -> DataLoader[K, T]:
    async def batch(keys: list[K]) -> list[T]:
        async with db.session() as session:
            return await fetch(session, keys)

    return DataLoader(batch)


class CatalogLoaders:
    def __init__(self, db: Database) -> None:
        self.courses: DataLoader[uuid.UUID, Course | None] = _loader(db, reads.courses_by_ids)
        self.courses_by_slug: DataLoader[str, Course | None] = _loader(db, reads.courses_by_slugs)
        self.categories: DataLoader[uuid.UUID, Category | None] = _loader(
            db, reads.categories_by_ids
        )
        self.instructor_profiles: DataLoader[uuid.UUID, InstructorProfile | None] = _loader(
            db, reads.instructor_profiles_by_user_ids
        )
        self.tags: DataLoader[uuid.UUID, list[Tag]] = _loader(db, reads.tags_by_course_ids)
        self.requirements: DataLoader[uuid.UUID, list[str]] = _loader(
            db, reads.requirements_by_course_ids
        )
        self.objectives: DataLoader[uuid.UUID, list[str]] = _loader(
            db, reads.objectives_by_course_ids
        )
        self.tiers: DataLoader[uuid.UUID, list[CoursePricingTier]] = _loader(
            db, reads.tiers_by_course_ids
        )
        self.modules: DataLoader[uuid.UUID, CourseModule | None] = _loader(db, reads.modules_by_ids)
        self.course_modules: DataLoader[uuid.UUID, list[CourseModule]] = _loader(
            db, reads.modules_by_course_ids
        )
        self.lessons: DataLoader[uuid.UUID, Lesson | None] = _loader(db, reads.lessons_by_ids)
        self.module_lessons: DataLoader[uuid.UUID, list[Lesson]] = _loader(
            db, reads.lessons_by_module_ids
        )
        self.lesson_stats: DataLoader[uuid.UUID, reads.LessonStats] = _loader(
            db, reads.lesson_stats_by_course_ids
        )
        self.lesson_resources: DataLoader[uuid.UUID, list[LessonResource]] = _loader(
            db, reads.lesson_resources_by_lesson_ids
        )
        self.course_resources: DataLoader[uuid.UUID, list[CourseResource]] = _loader(
            db, reads.course_resources_by_course_ids
        )
        # viewer id -> the courses they are enrolled in / co-teach
        self.access: DataLoader[uuid.UUID, CourseAccess] = _loader(db, reads.access_by_user_ids)

    def prime_courses(self, courses: Sequence[Course]) -> None:
        """Remember courses a list already read, so relation fields find them without SQL."""
        for course in courses:
            self.courses.prime(course.id, course)
