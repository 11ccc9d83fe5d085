"""Direct messages through the service: the messaging rule, one conversation per pair (also
under a race), per-side deletion, read state, blocks, reports, rate limit and Property 43."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from app import live
from app.accounts.models import User, UserRole
from app.admin.models import ContentReport
from app.clock import frozen
from app.communication import messaging
from app.communication.errors import CommunicationCode
from app.communication.models import Conversation, Message
from app.communication.repo import messaging as repo
from app.db import Database
from app.errors import Common, NotFound, RateLimited, UserFacingError
from app.notifications.models import Notification, NotificationType
from app.outbox import OutboxEvent
from app.pagination import PageRequest
from app.security.sanitize import has_text, sanitize_html
from tests.support.communication import (
    actor,
    deactivate,
    enrolled_student,
    teacher_and_student,
)
from tests.support.learning import free_course, person

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def code_of(exc: UserFacingError) -> Any:
    return exc.errors[0].code


async def start(
    database: Database, redis: Redis, sender: User, recipient: User, body: str = "<p>Hi</p>"
) -> messaging.Sent:
    async with database.transaction() as session:
        return await messaging.start_conversation(
            session, redis, actor=actor(sender), recipient_id=recipient.id, body=body
        )


async def send(
    database: Database, redis: Redis, sender: User, conversation_id: uuid.UUID, body: str = "ok"
) -> messaging.Sent:
    async with database.transaction() as session:
        return await messaging.send_message(
            session, redis, actor=actor(sender), conversation_id=conversation_id, body=body
        )


async def messages_seen_by(
    database: Database, user: User, conversation_id: uuid.UUID
) -> list[Message]:
    async with database.session() as session:
        page = await messaging.list_messages(
            session,
            actor=actor(user),
            conversation_id=conversation_id,
            request=PageRequest.create(first=100),
        )
    return page.items


# --- the messaging rule -----------------------------------------------------------------------


async def test_a_student_may_message_the_instructor_of_their_course(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    assert sent.message.body == "<p>Hi</p>"
    assert sent.conversation.last_message_at is not None


async def test_an_instructor_may_message_a_student_of_their_course(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    await start(database, redis_client, teacher, student)


async def test_strangers_cannot_message_each_other(database: Database, redis_client: Redis) -> None:
    a, b = await person(database), await person(database)
    with pytest.raises(UserFacingError) as failure:
        await start(database, redis_client, a, b)
    assert code_of(failure.value) == CommunicationCode.CANNOT_MESSAGE


async def test_two_students_of_the_same_course_cannot_message_each_other(
    database: Database, redis_client: Redis
) -> None:
    _, student, course = await teacher_and_student(database)
    other = await enrolled_student(database, course)
    with pytest.raises(UserFacingError) as failure:
        await start(database, redis_client, student, other)
    assert code_of(failure.value) == CommunicationCode.CANNOT_MESSAGE


async def test_anyone_may_message_an_admin_and_an_admin_anyone(
    database: Database, redis_client: Redis
) -> None:
    admin, a, b = (
        await person(database, UserRole.ADMIN),
        await person(database),
        await person(database),
    )
    await start(database, redis_client, a, admin)
    await start(database, redis_client, admin, b)


async def test_nobody_messages_themselves(database: Database, redis_client: Redis) -> None:
    a = await person(database, UserRole.ADMIN)
    with pytest.raises(UserFacingError) as failure:
        await start(database, redis_client, a, a)
    assert code_of(failure.value) == CommunicationCode.CANNOT_MESSAGE_SELF


async def test_a_deactivated_user_cannot_be_messaged(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    await deactivate(database, teacher)
    with pytest.raises(UserFacingError) as failure:
        await start(database, redis_client, student, teacher)
    assert code_of(failure.value) == CommunicationCode.CANNOT_MESSAGE
    with pytest.raises(UserFacingError) as failure:
        await send(database, redis_client, student, sent.conversation.id)
    assert code_of(failure.value) == CommunicationCode.CANNOT_MESSAGE


async def test_a_block_either_way_stops_starting_and_sending(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    async with database.transaction() as session:
        await messaging.block_user(session, actor=actor(teacher), user_id=student.id)
    for sender, recipient in ((student, teacher), (teacher, student)):
        with pytest.raises(UserFacingError) as failure:
            await start(database, redis_client, sender, recipient)
        assert code_of(failure.value) == CommunicationCode.BLOCKED
        with pytest.raises(UserFacingError) as failure:
            await send(database, redis_client, sender, sent.conversation.id)
        assert code_of(failure.value) == CommunicationCode.BLOCKED
    async with database.transaction() as session:
        await messaging.unblock_user(session, actor=actor(teacher), user_id=student.id)
    await send(database, redis_client, student, sent.conversation.id)


# --- bodies -----------------------------------------------------------------------------------


async def test_bodies_are_sanitised_required_and_limited(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(
        database, redis_client, student, teacher, '<p onclick="x()">Hi<script>alert(1)</script></p>'
    )
    assert sent.message.body == "<p>Hi</p>"
    for body, code in (("<p> </p>", Common.REQUIRED), ("x" * 10_001, Common.TOO_LONG)):
        with pytest.raises(UserFacingError) as failure:
            await send(database, redis_client, student, sent.conversation.id, body)
        assert code_of(failure.value) == code
        assert failure.value.errors[0].field == "body"


async def test_sending_is_rate_limited(database: Database, redis_client: Redis) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    for _ in range(messaging.SEND_LIMIT - 1):
        await send(database, redis_client, student, sent.conversation.id)
    with pytest.raises(RateLimited):
        await send(database, redis_client, student, sent.conversation.id)


# --- one conversation per pair ----------------------------------------------------------------


async def test_starting_again_reuses_the_pairs_conversation(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    first = await start(database, redis_client, student, teacher)
    second = await start(database, redis_client, teacher, student)
    assert first.conversation.id == second.conversation.id


async def test_two_concurrent_starts_end_in_one_conversation(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    results = await asyncio.gather(
        start(database, redis_client, student, teacher, "one"),
        start(database, redis_client, teacher, student, "two"),
    )
    assert results[0].conversation.id == results[1].conversation.id
    async with database.session() as session:
        count = await session.scalar(select(func.count()).select_from(Conversation))
        messages = await session.scalar(select(func.count()).select_from(Message))
    assert count == 1
    assert messages == 2


# --- listing, read state, deletion ------------------------------------------------------------


async def test_conversations_list_newest_activity_first_with_unread_counts(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, course = await teacher_and_student(database)
    other = await enrolled_student(database, course)
    with frozen(T0):
        older = await start(database, redis_client, student, teacher)
    with frozen(T0 + timedelta(minutes=1)):
        newer = await start(database, redis_client, other, teacher)
    with frozen(T0 + timedelta(minutes=2)):
        await send(database, redis_client, student, older.conversation.id, "again")
    async with database.session() as session:
        page = await messaging.list_conversations(
            session, actor=actor(teacher), request=PageRequest.create(first=10)
        )
        ids = [c.id for c in page.items]
        unread = await repo.unread_counts_by_pairs(session, [(i, teacher.id) for i in ids])
    assert ids == [older.conversation.id, newer.conversation.id]
    assert unread == [2, 1]
    async with database.transaction() as session:
        with frozen(T0 + timedelta(minutes=3)):
            await messaging.mark_conversation_read(
                session, actor=actor(teacher), conversation_id=older.conversation.id
            )
    async with database.session() as session:
        unread = await repo.unread_counts_by_pairs(session, [(i, teacher.id) for i in ids])
        [last] = await repo.last_messages_by_pairs(session, [(ids[0], teacher.id)])
    assert unread == [0, 1]
    assert last is not None
    assert last.body == "again"


async def test_a_deleted_message_is_hidden_from_its_deleter_only(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    async with database.transaction() as session:
        await messaging.delete_message(session, actor=actor(student), message_id=sent.message.id)
    assert await messages_seen_by(database, student, sent.conversation.id) == []
    assert [m.id for m in await messages_seen_by(database, teacher, sent.conversation.id)] == [
        sent.message.id
    ]
    async with database.session() as session:
        assert await session.get(Message, sent.message.id) is not None  # kept for moderation


async def test_messages_are_listed_newest_first(database: Database, redis_client: Redis) -> None:
    teacher, student, _ = await teacher_and_student(database)
    with frozen(T0):
        sent = await start(database, redis_client, student, teacher, "first")
    with frozen(T0 + timedelta(seconds=1)):
        await send(database, redis_client, teacher, sent.conversation.id, "second")
    bodies = [m.body for m in await messages_seen_by(database, student, sent.conversation.id)]
    assert bodies == ["second", "first"]


async def test_a_non_participant_finds_no_conversation(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, course = await teacher_and_student(database)
    other = await enrolled_student(database, course)
    sent = await start(database, redis_client, student, teacher)
    with pytest.raises(NotFound):
        await messages_seen_by(database, other, sent.conversation.id)
    with pytest.raises(NotFound):
        await send(database, redis_client, other, sent.conversation.id)


# --- reports ----------------------------------------------------------------------------------


async def test_a_message_is_reported_once_per_reporter(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    async with database.transaction() as session:
        report = await messaging.report_message(
            session, actor=actor(teacher), message_id=sent.message.id, reason="spam", details="x"
        )
    assert report.target_type == "message"
    with pytest.raises(UserFacingError) as failure:
        async with database.transaction() as session:
            await messaging.report_message(
                session,
                actor=actor(teacher),
                message_id=sent.message.id,
                reason="spam",
                details=None,
            )
    assert code_of(failure.value) == CommunicationCode.ALREADY_REPORTED
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(ContentReport)) == 1


# --- Property 43 ------------------------------------------------------------------------------


async def test_sending_notifies_the_recipient_and_publishes_to_them_only(
    database: Database, redis_client: Redis
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    sent = await start(database, redis_client, student, teacher)
    async with database.session() as session:
        notes = list(
            await session.scalars(
                select(Notification).where(Notification.type == NotificationType.NEW_MESSAGE)
            )
        )
        events = list(await session.scalars(select(OutboxEvent)))
    assert [(n.recipient_id, n.type) for n in notes] == [(teacher.id, NotificationType.NEW_MESSAGE)]
    assert notes[0].action_url == f"/messages/{sent.conversation.id}"
    channels = [
        e.payload["channel"]
        for e in events
        if e.payload.get("event", {}).get("type") == messaging.MESSAGE_RECEIVED
    ]
    assert channels == [live.user_channel(teacher.id)]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.text(min_size=1, max_size=300))
async def test_property_43_every_sent_message_is_stored(
    database: Database, redis_client: Redis, body: str
) -> None:
    """Property 43 (message delivery completeness): every message sent has a row that the
    recipient sees (the live half is in test_messaging_live.py)."""
    course = await free_course(database, modules=1, lessons=1)
    teacher = await database_user(database, course.instructor_id)
    student = await enrolled_student(database, course)
    if not has_text(sanitize_html(body)):  # nothing to show: refused, never stored
        with pytest.raises(UserFacingError):
            await start(database, redis_client, student, teacher, body)
        return
    sent = await start(database, redis_client, student, teacher, body)
    seen = await messages_seen_by(database, teacher, sent.conversation.id)
    assert sent.message.id in [m.id for m in seen]


async def database_user(database: Database, user_id: uuid.UUID) -> User:
    async with database.session() as session:
        found = await session.get(User, user_id)
    assert found is not None
    return found
