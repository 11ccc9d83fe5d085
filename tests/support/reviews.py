"""Helpers of the review tests: a course with its teacher and enrolled students, reviews written
through the service, and a fresh aggregate of the visible reviews to compare with the course."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.catalog.models import Course
from app.cms import reviews
from app.cms.models import CourseReview, ReviewStatus
from app.db import Database
from app.learning.models import EnrollmentStatus
from app.security.permissions import Actor
from tests.support import catalog as factories
from tests.support.learning import free_course, person


@dataclass
class Classroom:
    course: Course
    teacher: User
    students: list[User]

    async def student(
        self, database: Database, status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    ) -> User:
        """Another student of the course with an enrollment in `status`."""
        user = await person(database)
        await factories.enroll(database, user.id, self.course.id, status)
        return user


async def classroom(database: Database, students: int = 1) -> Classroom:
    """A free published course, its owner and `students` active students."""
    course = await free_course(database, modules=1, lessons=1)
    async with database.session() as session:
        teacher = await session.get(User, course.instructor_id)
    assert teacher is not None
    room = Classroom(course, teacher, [])
    for _ in range(students):
        room.students.append(await room.student(database))
    return room


async def admin(database: Database) -> User:
    return await person(database, UserRole.ADMIN)


async def review(
    database: Database, author: User, course: Course, rating: int = 5, **kwargs: Any
) -> CourseReview:
    async with database.transaction() as session:
        return await reviews.review_course(
            session, actor=Actor.of(author), course_id=course.id, rating=rating, **kwargs
        )


async def stored_course(database: Database, course_id: uuid.UUID) -> Course:
    async with database.session() as session:
        found = await session.get(Course, course_id)
        assert found is not None
        return found


async def fresh_aggregate(database: Database, course_id: uuid.UUID) -> tuple[Decimal | None, int]:
    """(average rounded to 2 decimals, count) of the course's visible reviews, computed anew."""
    async with database.session() as session:
        row = (
            await session.execute(
                select(func.round(func.avg(CourseReview.rating), 2), func.count()).where(
                    CourseReview.course_id == course_id,
                    CourseReview.status == ReviewStatus.APPROVED,
                )
            )
        ).one()
    return row[0], row[1]


async def stored_rating(database: Database, course_id: uuid.UUID) -> tuple[Decimal | None, int]:
    course = await stored_course(database, course_id)
    return course.average_rating, course.review_count


async def review_count(database: Database, course_id: uuid.UUID) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(select(func.count()).where(CourseReview.course_id == course_id))
            or 0
        )
