"""Events are written with the change that causes them (same transaction), only while a webhook
subscribes; instructors receive the course events of their own courses only."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import UserRole
from app.catalog.models import CourseInstructor
from app.db import Database
from app.learning import service as learning
from app.learning.models import EnrollmentSource
from app.outbox import OutboxEvent
from app.settings import Settings
from app.webhooks.delivery import deliver, fan_out
from app.webhooks.events import WEBHOOK_TOPIC
from app.webhooks.models import DeliveryStatus, WebhookEvent
from tests.support.catalog import course, gid, person
from tests.support.webhooks import COURSE_QUERY, Receiver, create, deliveries


async def webhook_events(database: Database) -> list[OutboxEvent]:
    async with database.session() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.topic == WEBHOOK_TOPIC)
        return list(await session.scalars(stmt))


async def enroll(database: Database, student_id: uuid.UUID, course_id: uuid.UUID) -> None:
    async with database.transaction() as session:
        await learning.enroll_student(
            session, student_id=student_id, course_id=course_id, source=EnrollmentSource.FREE
        )


class Abort(Exception):
    pass


async def enroll_then_abort(
    database: Database, student_id: uuid.UUID, course_id: uuid.UUID
) -> None:
    """The enrollment rolls back, and its event with it."""
    async with database.transaction() as session:
        await learning.enroll_student(
            session, student_id=student_id, course_id=course_id, source=EnrollmentSource.FREE
        )
        raise Abort


async def test_nothing_is_written_while_no_webhook_subscribes(database: Database) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    student = await person(database)
    taught = await course(database, teacher.id)
    await enroll(database, student.id, taught.id)
    assert await webhook_events(database) == []


async def test_an_enrollment_writes_its_event_in_the_same_transaction(
    database: Database, webhook_settings: Settings, hooks: Receiver
) -> None:
    admin = await person(database, UserRole.ADMIN)
    await create(
        database,
        webhook_settings,
        admin,
        hooks.url(),
        [WebhookEvent.ENROLLMENT_CREATED],
        COURSE_QUERY,
    )
    teacher = await person(database, UserRole.INSTRUCTOR)
    student = await person(database)
    taught = await course(database, teacher.id)

    with pytest.raises(Abort):
        await enroll_then_abort(database, student.id, taught.id)
    assert await webhook_events(database) == []

    await enroll(database, student.id, taught.id)
    [event] = await webhook_events(database)
    assert event.payload["event"] == "enrollment_created"
    assert event.payload["course_id"] == str(taught.id)
    assert set(event.payload["data"]) == {"enrollment_id"}


async def test_instructors_receive_the_course_events_of_their_own_courses_only(
    database: Database, webhook_settings: Settings, hooks: Receiver
) -> None:
    owner = await person(database, UserRole.INSTRUCTOR)
    co_teacher = await person(database, UserRole.INSTRUCTOR)
    stranger = await person(database, UserRole.INSTRUCTOR)
    admin = await person(database, UserRole.ADMIN)
    hooks_of = {
        user.id: await create(
            database,
            webhook_settings,
            user,
            hooks.url(f"/{n}"),
            [WebhookEvent.ENROLLMENT_CREATED],
            COURSE_QUERY,
        )
        for n, user in enumerate((owner, co_teacher, stranger, admin))
    }
    taught = await course(database, owner.id)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=taught.id, user_id=co_teacher.id))
    await enroll(database, (await person(database)).id, taught.id)

    [event] = await webhook_events(database)
    await fan_out(database, event.id, event.payload)
    received = {
        user_id: len(await deliveries(database, hook.id)) for user_id, hook in hooks_of.items()
    }
    assert received == {owner.id: 1, co_teacher.id: 1, stranger.id: 0, admin.id: 1}


async def test_an_instructors_payload_is_rendered_with_what_the_instructor_may_see(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    hook = await create(
        database,
        webhook_settings,
        teacher,
        hooks.url(),
        [WebhookEvent.ENROLLMENT_CREATED],
        COURSE_QUERY,
    )
    taught = await course(database, teacher.id, title="Rust for pilots")
    await enroll(database, (await person(database)).id, taught.id)
    [event] = await webhook_events(database)
    [delivery_id] = await fan_out(database, event.id, event.payload)
    await deliver(database, redis_client, webhook_settings, delivery_id, attempt=0)

    [received] = hooks.received
    [delivery] = await deliveries(database, hook.id)
    enrollment = received.json["webhookEvent"]["enrollment"]
    assert enrollment["id"] == gid("Enrollment", uuid.UUID(event.payload["data"]["enrollment_id"]))
    assert enrollment["course"] == {"id": gid("Course", taught.id), "title": "Rust for pilots"}
    assert delivery.status == DeliveryStatus.SUCCEEDED
