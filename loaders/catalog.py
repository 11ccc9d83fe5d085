"""Per-request batch loaders of the catalog (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader

from app.catalog import repo
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
from app.catalog.repo import people
from app.catalog.visibility import CourseAccess
from app.db import Database
from loaders.batch import batch_loader


class CatalogLoaders:
    def __init__(self, db: Database) -> None:
        self.courses: DataLoader[uuid.UUID, Course | None] = batch_loader(db, repo.courses_by_ids)
        self.courses_by_slug: DataLoader[str, Course | None] = batch_loader(
            db, repo.courses_by_slugs
        )
        self.categories: DataLoader[uuid.UUID, Category | None] = batch_loader(
            db, repo.categories_by_ids
        )
        self.categories_by_slug: DataLoader[str, Category | None] = batch_loader(
            db, repo.categories_by_slugs
        )
        self.instructor_profiles: DataLoader[uuid.UUID, InstructorProfile | None] = batch_loader(
            db, people.instructor_profiles_by_user_ids
        )
        self.tags: DataLoader[uuid.UUID, list[Tag]] = batch_loader(db, repo.tags_by_course_ids)
        self.requirements: DataLoader[uuid.UUID, list[str]] = batch_loader(
            db, repo.requirements_by_course_ids
        )
        self.objectives: DataLoader[uuid.UUID, list[str]] = batch_loader(
            db, repo.objectives_by_course_ids
        )
        self.tiers: DataLoader[uuid.UUID, list[CoursePricingTier]] = batch_loader(
            db, repo.tiers_by_course_ids
        )
        self.modules: DataLoader[uuid.UUID, CourseModule | None] = batch_loader(
            db, repo.modules_by_ids
        )
        self.course_modules: DataLoader[uuid.UUID, list[CourseModule]] = batch_loader(
            db, repo.modules_by_course_ids
        )
        self.lessons: DataLoader[uuid.UUID, Lesson | None] = batch_loader(db, repo.lessons_by_ids)
        self.module_lessons: DataLoader[uuid.UUID, list[Lesson]] = batch_loader(
            db, repo.lessons_by_module_ids
        )
        self.lesson_stats: DataLoader[uuid.UUID, repo.LessonStats] = batch_loader(
            db, repo.lesson_stats_by_course_ids
        )
        self.lesson_resources: DataLoader[uuid.UUID, list[LessonResource]] = batch_loader(
            db, repo.lesson_resources_by_lesson_ids
        )
        self.course_resources: DataLoader[uuid.UUID, list[CourseResource]] = batch_loader(
            db, repo.course_resources_by_course_ids
        )
        # viewer id -> the courses they are enrolled in / co-teach
        self.access: DataLoader[uuid.UUID, CourseAccess] = batch_loader(
            db, people.access_by_user_ids
        )

    def prime_courses(self, courses: Sequence[Course]) -> None:
        """Remember courses a list already read, so relation fields find them without SQL."""
        for course in courses:
            self.courses.prime(course.id, course)
