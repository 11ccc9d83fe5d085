"""Instructors in tests: an approved instructor with a public page, course teams."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from app.accounts.models import User, UserRole
from app.catalog.models import (
    Course,
    CourseInstructor,
    CourseInstructorRole,
    InstructorProfile,
)
from app.db import Database
from app.ids import new_id
from tests.support.catalog import person


async def public_instructor(database: Database, **kwargs: Any) -> tuple[User, InstructorProfile]:
    """An instructor with a public page (slug from a random suffix)."""
    user = await person(database, UserRole.INSTRUCTOR, **kwargs)
    async with database.transaction() as session:
        profile = InstructorProfile(
            id=new_id(),
            user_id=user.id,
            slug=f"teacher-{uuid.uuid4().hex[:10]}",
            title="Teaches well",
            bio="<p>Hello</p>",
            expertise=["Python"],
            is_public=True,
        )
        session.add(profile)
    return user, profile


async def join(
    database: Database,
    course: Course,
    user: User,
    role: CourseInstructorRole = CourseInstructorRole.CO_INSTRUCTOR,
) -> None:
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=course.id, user_id=user.id, role=role))


async def rate(database: Database, course: Course, average: str, reviews: int) -> None:
    """What the reviews engine maintains on the course."""
    async with database.transaction() as session:
        await session.execute(
            update(Course)
            .where(Course.id == course.id)
            .values(average_rating=average, review_count=reviews)
        )
