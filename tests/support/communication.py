"""Shared helpers of the communication tests (messaging, discussions, announcements)."""

from __future__ import annotations

from sqlalchemy import update

from app.accounts.models import User
from app.catalog.models import Course
from app.db import Database
from app.security.permissions import Actor
from tests.support.learning import enroll, free_course, person


def actor(user: User) -> Actor:
    """The service caller for `user`."""
    return Actor.of(user)


async def enrolled_student(database: Database, course: Course) -> User:
    """A new student enrolled (active) in `course`."""
    student = await person(database)
    await enroll(database, student, course)
    return student


async def teacher_and_student(database: Database) -> tuple[User, User, Course]:
    """A free course's owner, a student enrolled in it, and the course."""
    course = await free_course(database, modules=1, lessons=1)
    async with database.session() as session:
        teacher = await session.get(User, course.instructor_id)
    assert teacher is not None
    return teacher, await enrolled_student(database, course), course


async def deactivate(database: Database, user: User) -> None:
    """Ban / deactivate `user` (is_active false)."""
    async with database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
