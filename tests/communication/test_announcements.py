"""Announcements (services): who may write and read them, scheduling, exactly-once publication
by concurrent workers, and the chunked, idempotent notification of every recipient."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from app import live
from app.accounts.models import UserRole
from app.clock import frozen
from app.communication import announcements as service
from app.communication.errors import CommunicationCode
from app.communication.models import Announcement, AnnouncementStatus
from app.db import Database
from app.errors import Common, Forbidden, NotFound, UserFacingError
from app.learning import service as learning
from app.notifications.models import Notification, NotificationType
from app.outbox import OutboxEvent
from app.pagination import PageRequest
from app.security.permissions import Actor
from tests.support.learning import free_course, person, student_in

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def actor(user: object) -> Actor:
    return Actor.of(user)  # type: ignore[arg-type]


async def _create(database: Database, redis: Redis, author: object, **kw: object) -> Announcement:
    async with database.transaction() as session:
        return await service.create_announcement(
            session,
            actor=actor(author),
            redis=redis,
            **kw,  # type: ignore[arg-type]
        )


async def _notified(database: Database, announcement_id: uuid.UUID) -> list[uuid.UUID]:
    async with database.session() as session:
        rows = await session.scalars(
            select(Notification.recipient_id).where(
                Notification.type == NotificationType.ANNOUNCEMENT,
                Notification.metadata_["announcement_id"].astext == str(announcement_id),
            )
        )
        return list(rows)


async def _live_events(database: Database, announcement_id: uuid.UUID) -> list[OutboxEvent]:
    async with database.session() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == live.LIVE_TOPIC)
        )
        return [
            r for r in rows if r.payload["event"].get("announcement_id") == str(announcement_id)
        ]


async def test_an_instructor_announces_now_to_the_course_students_with_access(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course.instructor_id)
    student, _ = await student_in(database, course)
    dropped, enrollment = await student_in(database, course)
    async with database.transaction() as session:
        await learning.withdraw_enrollment(
            session, student_id=dropped.id, enrollment_id=enrollment.id
        )
    outsider = await person(database)

    row = await _create(
        database, redis_client, owner, course_id=course.id, title=" Exam ", body="<p>Friday</p>"
    )

    assert row.status == AnnouncementStatus.PUBLISHED
    assert row.published_at is not None
    assert row.title == "Exam"
    assert await _notified(database, row.id) == [student.id]
    assert outsider.id not in await _notified(database, row.id)
    [event] = await _live_events(database, row.id)
    assert event.payload["channel"] == live.course_channel(course.id, "announcements")


async def _owner(database: Database, user_id: uuid.UUID) -> object:
    from app.accounts.models import User

    async with database.session() as session:
        return await session.get(User, user_id)


async def test_students_and_strangers_cannot_announce_to_a_course(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    student, _ = await student_in(database, course)
    stranger = await person(database, UserRole.INSTRUCTOR)
    for who in (student, stranger):
        with pytest.raises(Forbidden):
            await _create(database, redis_client, who, course_id=course.id, title="t", body="b")


async def test_only_admins_announce_platform_wide(database: Database, redis_client: Redis) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    with pytest.raises(Forbidden):
        await _create(database, redis_client, teacher, title="t", body="b")
    admin = await person(database, UserRole.ADMIN)
    users = [await person(database) for _ in range(3)]
    row = await _create(database, redis_client, admin, title="Maintenance", body="Sunday")
    assert row.course_id is None
    assert set(await _notified(database, row.id)) == {u.id for u in users} | {teacher.id}


async def test_an_empty_or_oversized_announcement_is_refused(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    with pytest.raises(UserFacingError) as empty:
        await _create(database, redis_client, admin, title="  ", body="<script>x</script> ")
    assert {(e.field, e.code) for e in empty.value.errors} == {
        ("title", Common.REQUIRED),
        ("body", Common.REQUIRED),
    }
    with pytest.raises(UserFacingError) as long:
        await _create(database, redis_client, admin, title="x" * 201, body="y" * 20_001)
    assert {(e.field, e.code) for e in long.value.errors} == {
        ("title", Common.TOO_LONG),
        ("body", Common.TOO_LONG),
    }


async def test_the_body_is_sanitised(database: Database, redis_client: Redis) -> None:
    admin = await person(database, UserRole.ADMIN)
    row = await _create(
        database, redis_client, admin, title="t", body='<p onclick="x()">Hi<script>a()</script></p>'
    )
    assert row.body == "<p>Hi</p>"


async def test_a_future_publish_at_schedules_it_and_nobody_is_notified_yet(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    await person(database)
    with frozen(NOW):
        row = await _create(
            database, redis_client, admin, title="t", body="b", publish_at=NOW + timedelta(hours=1)
        )
    assert row.status == AnnouncementStatus.SCHEDULED
    assert row.published_at is None
    assert await _notified(database, row.id) == []
    assert await _live_events(database, row.id) == []


async def test_a_past_publish_at_publishes_now(database: Database, redis_client: Redis) -> None:
    admin = await person(database, UserRole.ADMIN)
    with frozen(NOW):
        row = await _create(
            database, redis_client, admin, title="t", body="b", publish_at=NOW - timedelta(days=1)
        )
    assert row.status == AnnouncementStatus.PUBLISHED
    assert row.published_at == NOW


async def test_the_worker_publishes_a_due_announcement_and_notifies(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course.instructor_id)
    student, _ = await student_in(database, course)
    with frozen(NOW):
        row = await _create(
            database,
            redis_client,
            owner,
            course_id=course.id,
            title="t",
            body="b",
            publish_at=NOW + timedelta(minutes=5),
        )
    early = await service.publish_due_announcements(database, now=NOW + timedelta(minutes=4))
    assert early.published == 0
    run = await service.publish_due_announcements(database, now=NOW + timedelta(minutes=5))
    assert run == service.PublishRun(published=1, notified=1)
    async with database.session() as session:
        fresh = await session.get(Announcement, row.id)
    assert fresh is not None
    assert fresh.status == AnnouncementStatus.PUBLISHED
    assert fresh.published_at == NOW + timedelta(minutes=5)
    assert await _notified(database, row.id) == [student.id]
    assert len(await _live_events(database, row.id)) == 1
    again = await service.publish_due_announcements(database, now=NOW + timedelta(minutes=6))
    assert again == service.PublishRun()


async def test_two_workers_racing_publish_each_announcement_exactly_once(
    database: Database, redis_client: Redis
) -> None:
    """Exactly once: concurrent publishers claim each due row once; every recipient gets one
    notification and each announcement one live event."""
    admin = await person(database, UserRole.ADMIN)
    users = [await person(database) for _ in range(12)]
    with frozen(NOW):
        rows = [
            await _create(
                database,
                redis_client,
                admin,
                title=f"t{i}",
                body="b",
                publish_at=NOW + timedelta(seconds=1),
            )
            for i in range(6)
        ]
    runs = await asyncio.gather(
        *(
            service.publish_due_announcements(database, now=NOW + timedelta(minutes=1))
            for _ in range(4)
        )
    )
    assert sum(r.published for r in runs) == 6
    assert sum(r.notified for r in runs) == 6 * len(users)
    for row in rows:
        notified = await _notified(database, row.id)
        assert sorted(notified) == sorted(u.id for u in users)
        assert len(await _live_events(database, row.id)) == 1


async def test_a_large_audience_is_notified_in_chunks_and_resumes_without_duplicates(
    database: Database, redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 4)
    monkeypatch.setattr(service, "INLINE_CHUNK", 3)
    admin = await person(database, UserRole.ADMIN)
    users = [await person(database) for _ in range(11)]
    row = await _create(database, redis_client, admin, title="t", body="b")
    assert len(await _notified(database, row.id)) == 3  # the first chunk, in the mutation
    first = await service.fan_out_recent(database, redis_client, now=datetime.now(UTC))
    assert first == 8
    assert sorted(await _notified(database, row.id)) == sorted(u.id for u in users)
    assert await service.fan_out_recent(database, redis_client, now=datetime.now(UTC)) == 0
    await redis_client.flushdb()  # the shortcut lost: the notification rows still decide
    assert await service.fan_out_recent(database, None, now=datetime.now(UTC)) == 0


async def test_a_published_announcement_keeps_its_schedule(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    row = await _create(database, redis_client, admin, title="t", body="b")
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as refused:
            await service.update_announcement(
                session,
                actor=actor(admin),
                announcement_id=row.id,
                publish_at=datetime.now(UTC) + timedelta(days=1),
            )
    [error] = refused.value.errors
    assert (error.field, error.code) == ("publish_at", CommunicationCode.ANNOUNCEMENT_PUBLISHED)
    async with database.transaction() as session:
        edited = await service.update_announcement(
            session, actor=actor(admin), announcement_id=row.id, title="New", body="<b>x</b>"
        )
    assert (edited.title, edited.body) == ("New", "<b>x</b>")


async def test_a_scheduled_announcement_can_move_or_publish_now(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    user = await person(database)
    with frozen(NOW):
        row = await _create(
            database, redis_client, admin, title="t", body="b", publish_at=NOW + timedelta(days=1)
        )
        async with database.transaction() as session:
            moved = await service.update_announcement(
                session,
                actor=actor(admin),
                announcement_id=row.id,
                publish_at=NOW + timedelta(days=2),
            )
        assert moved.scheduled_for == NOW + timedelta(days=2)
        async with database.transaction() as session:
            now = await service.update_announcement(
                session, actor=actor(admin), announcement_id=row.id, publish_at=NOW
            )
    assert now.status == AnnouncementStatus.PUBLISHED
    assert await _notified(database, row.id) == [user.id]


async def test_students_cannot_change_or_delete_and_outsiders_do_not_see_it(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course.instructor_id)
    student, _ = await student_in(database, course)
    outsider = await person(database)
    row = await _create(database, redis_client, owner, course_id=course.id, title="t", body="b")
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await service.delete_announcement(session, actor=actor(student), announcement_id=row.id)
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await service.update_announcement(
                session, actor=actor(outsider), announcement_id=row.id, title="x"
            )
    async with database.transaction() as session:
        await service.delete_announcement(session, actor=actor(owner), announcement_id=row.id)
    async with database.session() as session:
        deleted = await session.get(Announcement, row.id)
    assert deleted is not None
    assert deleted.deleted_at is not None


async def test_members_list_published_ones_newest_first_and_teachers_also_scheduled(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course.instructor_id)
    student, _ = await student_in(database, course)
    outsider = await person(database)
    with frozen(NOW):
        old = await _create(database, redis_client, owner, course_id=course.id, title="a", body="b")
    with frozen(NOW + timedelta(hours=1)):
        new = await _create(database, redis_client, owner, course_id=course.id, title="c", body="d")
        planned = await _create(
            database,
            redis_client,
            owner,
            course_id=course.id,
            title="e",
            body="f",
            publish_at=NOW + timedelta(days=3),
        )
    request = PageRequest.create(first=10)
    async with database.session() as session:
        seen = await service.list_announcements(
            session, actor=actor(student), course_id=course.id, request=request, with_total=True
        )
        taught = await service.list_announcements(
            session, actor=actor(owner), course_id=course.id, request=request
        )
        with pytest.raises(Forbidden):
            await service.list_announcements(
                session, actor=actor(outsider), course_id=course.id, request=request
            )
    assert [r.id for r in seen.items] == [new.id, old.id]
    assert seen.total_count == 2
    assert [r.id for r in taught.items] == [planned.id, new.id, old.id]


async def test_editing_keeps_the_earlier_text_for_moderation(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    row = await _create(database, redis_client, admin, title="Old title", body="<p>old</p>")
    with frozen(NOW):
        async with database.transaction() as session:
            edited = await service.update_announcement(
                session, actor=actor(admin), announcement_id=row.id, body="<p>new</p>"
            )
    assert (edited.title, edited.body) == ("Old title", "<p>new</p>")
    assert edited.edit_history == [
        {"title": "Old title", "body": "<p>old</p>", "edited_at": NOW.isoformat()}
    ]


async def test_a_deleted_announcement_is_gone_for_readers_and_kept_for_moderation(
    database: Database, redis_client: Redis
) -> None:
    admin = await person(database, UserRole.ADMIN)
    await person(database)
    with frozen(NOW):
        row = await _create(
            database, redis_client, admin, title="t", body="b", publish_at=NOW + timedelta(hours=1)
        )
        async with database.transaction() as session:
            await service.delete_announcement(session, actor=actor(admin), announcement_id=row.id)
    async with database.session() as session:
        kept = await session.get(Announcement, row.id)
        listed = await service.list_announcements(
            session, actor=actor(admin), course_id=None, request=PageRequest.create(first=20)
        )
    assert kept is not None
    assert kept.deleted_at == NOW
    assert row.id not in [a.id for a in listed.items]
    # a deleted scheduled announcement is never published, and cannot be deleted twice
    run = await service.publish_due_announcements(database, now=NOW + timedelta(hours=2))
    assert run.published == 0
    assert await _notified(database, row.id) == []
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await service.delete_announcement(session, actor=actor(admin), announcement_id=row.id)
