"""Helpers of the discussion-forum tests: a course with its teacher and students, threads and
replies written through the service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course
from app.communication import discussions
from app.communication.models import DiscussionPost, DiscussionThread
from app.db import Database
from app.learning.models import EnrollmentStatus
from app.notifications.models import Notification, NotificationType
from app.security.permissions import Actor
from tests.support import catalog as factories
from tests.support.learning import free_course, person


def as_actor(user: User) -> Actor:
    return Actor.of(user)


@dataclass
class Forum:
    course: Course
    teacher: User
    student: User

    async def member(
        self, database: Database, status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    ) -> User:
        """Another student of the course with an enrollment in `status`."""
        user = await person(database)
        await factories.enroll(database, user.id, self.course.id, status)
        return user


async def forum(database: Database) -> Forum:
    """A free course, its owner and one enrolled student."""
    course = await free_course(database, modules=1, lessons=2)
    async with database.session() as session:
        teacher = await session.get(User, course.instructor_id)
    assert teacher is not None
    student = await person(database)
    await factories.enroll(database, student.id, course.id)
    return Forum(course, teacher, student)


async def thread(
    database: Database, redis: Redis, author: User, course: Course, **kwargs: Any
) -> DiscussionThread:
    values: dict[str, Any] = {"title": "How do I start?", "body": "<p>Help, please.</p>"}
    values.update(kwargs)
    async with database.transaction() as session:
        return await discussions.create_thread(
            session, redis, actor=as_actor(author), course_id=course.id, **values
        )


async def reply(
    database: Database,
    redis: Redis,
    author: User,
    thread_id: uuid.UUID,
    parent_post_id: uuid.UUID | None = None,
    body: str = "<p>Try this.</p>",
) -> DiscussionPost:
    async with database.transaction() as session:
        return await discussions.reply(
            session,
            redis,
            actor=as_actor(author),
            thread_id=thread_id,
            parent_post_id=parent_post_id,
            body=body,
        )


async def notifications_of(
    database: Database, user: User, type_: NotificationType
) -> list[Notification]:
    async with database.session() as session:
        rows = await session.scalars(
            select(Notification).where(
                Notification.recipient_id == user.id, Notification.type == type_
            )
        )
        return list(rows)


async def reload_post(database: Database, post_id: uuid.UUID) -> DiscussionPost:
    async with database.session() as session:
        row = await session.get(DiscussionPost, post_id)
    assert row is not None
    return row


async def reload_thread(database: Database, thread_id: uuid.UUID) -> DiscussionThread:
    async with database.session() as session:
        row = await session.get(DiscussionThread, thread_id)
    assert row is not None
    return row
