"""Per-request batch loaders of the catalog (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader

from app.catalog import repo
from app.catalog.models import (
    Category,
    Course,
    CourseInstructor,
    CourseModule,
    CoursePricingTier,
    CourseResource,
    InstructorApplication,
    InstructorProfile,
    Lesson,
    LessonResource,
    Tag,
)
from app.catalog.repo import instructors, people
from app.catalog.visibility import CourseAccess
from app.db import Database
from app.pagination import Page
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
        # instructors: public pages, what they count, the courses they teach, teams, applications
        self.public_instructors: DataLoader[uuid.UUID, InstructorProfile | None] = batch_loader(
            db, instructors.public_profiles_by_user_ids
        )
        self.public_instructors_by_slug: DataLoader[str, InstructorProfile | None] = batch_loader(
            db, instructors.public_profiles_by_slugs
        )
        self.instructor_stats: DataLoader[uuid.UUID, instructors.InstructorStats] = batch_loader(
            db, instructors.stats_by_user_ids
        )
        self.taught_courses: DataLoader[instructors.CoursesKey, Page[uuid.UUID]] = batch_loader(
            db, instructors.taught_course_pages
        )
        self.teams: DataLoader[uuid.UUID, list[CourseInstructor]] = batch_loader(
            db, instructors.teams_by_course_ids
        )
        self.applications: DataLoader[uuid.UUID, InstructorApplication | None] = batch_loader(
            db, instructors.applications_by_ids
        )
        self.latest_applications: DataLoader[uuid.UUID, InstructorApplication | None] = (
            batch_loader(db, instructors.latest_applications_by_user_ids)
        )
        # viewer id -> the courses they are enrolled in / co-teach
        self.access: DataLoader[uuid.UUID, CourseAccess] = batch_loader(
            db, people.access_by_user_ids
        )

    def prime_courses(self, courses: Sequence[Course]) -> None:
        """Remember courses a list already read, so relation fields find them without SQL."""
        for course in courses:
            self.courses.prime(course.id, course)
