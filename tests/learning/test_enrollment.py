"""Enrolling, seats, withdrawing and re-enrolling (SPEC §3.3; Properties 22 and 23)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.catalog.models import Course, CourseInstructor, CourseStatus, Lesson
from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.learning import service
from app.learning.models import Enrollment, EnrollmentStatus, ProgressStatus
from app.notifications.models import Notification, NotificationType
from tests.support import catalog as factories
from tests.support.learning import (
    enroll,
    free_course,
    instructor,
    lessons_of,
    paid_course,
    person,
    progress_rows,
    reload,
    student_in,
)


async def enrollments_of(database: Database, course_id: object) -> list[Enrollment]:
    async with database.session() as session:
        return list(
            await session.scalars(select(Enrollment).where(Enrollment.course_id == course_id))
        )


async def seats(database: Database, course_id: object) -> int:
    async with database.session() as session:
        found = await session.get(Course, course_id)
        assert found is not None
        return found.enrollment_count


async def test_property_23_enrolling_creates_a_not_started_progress_row_for_every_lesson(
    database: Database,
) -> None:
    course = await free_course(database, modules=3, lessons=2)
    _, enrollment = await student_in(database, course)

    rows = await progress_rows(database, enrollment.id)
    assert set(rows) == {x.id for x in await lessons_of(database, course.id)}
    assert {r.status for r in rows.values()} == {ProgressStatus.NOT_STARTED}
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert await seats(database, course.id) == 1


async def test_enrolling_notifies_the_student(database: Database) -> None:
    course = await free_course(database)
    student, _ = await student_in(database, course)
    async with database.session() as session:
        notes = list(
            await session.scalars(
                select(Notification).where(Notification.recipient_id == student.id)
            )
        )
    assert [n.type for n in notes] == [NotificationType.ENROLLMENT_CONFIRMED]
    assert course.title in notes[0].title


async def test_property_22_enrolling_twice_is_rejected_as_already_enrolled(
    database: Database,
) -> None:
    course = await free_course(database)
    student, _ = await student_in(database, course)
    with pytest.raises(Conflict) as caught:
        await enroll(database, student, course)
    assert caught.value.errors[0].code == "ALREADY_ENROLLED"
    assert len(await enrollments_of(database, course.id)) == 1


async def test_property_22_two_concurrent_enrolls_leave_exactly_one_enrollment(
    database: Database,
) -> None:
    course = await free_course(database)
    student = await person(database)
    outcomes = await asyncio.gather(
        enroll(database, student, course), enroll(database, student, course), return_exceptions=True
    )
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], Conflict)
    assert failures[0].errors[0].code == "ALREADY_ENROLLED"
    assert len(await enrollments_of(database, course.id)) == 1
    assert await seats(database, course.id) == 1


async def test_a_full_course_refuses_another_student(database: Database) -> None:
    course = await free_course(database, enrollment_limit=1)
    await student_in(database, course)
    with pytest.raises(Conflict) as caught:
        await student_in(database, course)
    assert caught.value.errors[0].code == "COURSE_FULL"
    assert len(await enrollments_of(database, course.id)) == 1


async def test_concurrent_students_never_take_more_seats_than_the_limit(
    database: Database,
) -> None:
    course = await free_course(database, enrollment_limit=2)
    students = [await person(database) for _ in range(4)]
    outcomes = await asyncio.gather(
        *(enroll(database, s, course) for s in students), return_exceptions=True
    )
    assert sum(isinstance(o, Enrollment) for o in outcomes) == 2
    assert all(
        isinstance(o, Enrollment) or (isinstance(o, Conflict) and o.errors[0].code == "COURSE_FULL")
        for o in outcomes
    )
    assert await seats(database, course.id) == 2


async def test_a_paid_course_cannot_be_joined_for_free(database: Database) -> None:
    course = await paid_course(database)
    student = await person(database)
    with pytest.raises(Invalid) as caught:
        async with database.transaction() as session:
            await service.enroll_in_free_course(session, student_id=student.id, course_id=course.id)
    assert caught.value.errors[0].code == "COURSE_NOT_FREE"
    assert await enrollments_of(database, course.id) == []


async def test_an_unpublished_course_cannot_be_joined(database: Database) -> None:
    owner = await instructor(database)
    course = await factories.course(database, owner.id, tiers=(), status=CourseStatus.DRAFT)
    student = await person(database)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await service.enroll_in_free_course(session, student_id=student.id, course_id=course.id)
    with pytest.raises(Invalid) as caught:
        await enroll(database, student, course)
    assert caught.value.errors[0].code == "COURSE_NOT_PUBLISHED"


async def test_withdrawing_drops_the_enrollment_and_frees_the_seat(database: Database) -> None:
    course = await free_course(database)
    student, enrollment = await student_in(database, course)
    async with database.transaction() as session:
        await service.withdraw_enrollment(
            session, student_id=student.id, enrollment_id=enrollment.id, reason=" Too busy "
        )
    found = await reload(database, enrollment.id)
    assert found.status == EnrollmentStatus.DROPPED
    assert found.withdrawal_reason == "Too busy"
    assert found.withdrawn_at is not None
    assert await seats(database, course.id) == 0
    async with database.session() as session:
        assert (
            await service.get_active_enrollment(session, student_id=student.id, course_id=course.id)
            is None
        )


async def test_only_the_student_withdraws_their_enrollment(database: Database) -> None:
    course = await free_course(database)
    _, enrollment = await student_in(database, course)
    stranger = await person(database)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await service.withdraw_enrollment(
                session, student_id=stranger.id, enrollment_id=enrollment.id, reason=None
            )
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.ACTIVE


async def test_re_enrolling_after_withdrawing_reactivates_the_same_enrollment_with_its_progress(
    database: Database,
) -> None:
    course = await free_course(database)
    student, enrollment = await student_in(database, course)
    first = (await lessons_of(database, course.id))[0]
    async with database.transaction() as session:
        await service.complete_lesson(session, student_id=student.id, lesson_id=first.id)
        await service.withdraw_enrollment(
            session, student_id=student.id, enrollment_id=enrollment.id, reason=None
        )
    again = await enroll(database, student, course)
    assert again.id == enrollment.id
    assert again.status == EnrollmentStatus.ACTIVE
    assert again.withdrawn_at is None
    assert (await progress_rows(database, enrollment.id))[
        first.id
    ].status == ProgressStatus.COMPLETED
    assert await seats(database, course.id) == 1


async def test_a_revoked_enrollment_is_not_reopened_by_enrolling_again(database: Database) -> None:
    course = await free_course(database)
    student = await person(database)
    await factories.enroll(database, student.id, course.id, EnrollmentStatus.REVOKED)
    with pytest.raises(Forbidden):
        await enroll(database, student, course)


async def test_require_enrollment_asks_to_enroll_first(database: Database) -> None:
    course = await free_course(database)
    student = await person(database)
    with pytest.raises(Forbidden, match="Enroll"):
        async with database.session() as session:
            await service.require_enrollment(session, student_id=student.id, course_id=course.id)
    enrollment = await enroll(database, student, course)
    async with database.session() as session:
        found = await service.require_enrollment(
            session, student_id=student.id, course_id=course.id
        )
    assert found.id == enrollment.id


async def test_the_owner_and_co_instructors_teach_a_course_and_nobody_else(
    database: Database,
) -> None:
    course = await free_course(database)
    helper = await instructor(database)
    stranger = await person(database, UserRole.INSTRUCTOR)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=course.id, user_id=helper.id))
    async with database.session() as session:
        assert await service.is_teacher_of(
            session, user_id=course.instructor_id, course_id=course.id
        )
        assert await service.is_teacher_of(session, user_id=helper.id, course_id=course.id)
        assert not await service.is_teacher_of(session, user_id=stranger.id, course_id=course.id)


async def test_lessons_added_after_enrolling_get_their_progress_row_on_first_use(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=1)
    student, enrollment = await student_in(database, course)
    module_id = (await lessons_of(database, course.id))[0].module_id
    async with database.transaction() as session:
        late = Lesson(
            module_id=module_id, course_id=course.id, type="text", title="Late", order_number=2
        )
        session.add(late)
    assert late.id not in await progress_rows(database, enrollment.id)

    async with database.transaction() as session:
        await service.update_lesson_progress(
            session,
            student_id=student.id,
            lesson_id=late.id,
            position_seconds=5,
        )
    assert (await progress_rows(database, enrollment.id))[
        late.id
    ].status == ProgressStatus.IN_PROGRESS
    async with database.session() as session:
        count = await session.scalar(select(func.count()).select_from(Enrollment))
    assert count == 1
