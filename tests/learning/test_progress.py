"""Lesson progress, module and course completion (SPEC §3.3; Properties 24, 25, 28)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.catalog.models import CourseStatus, LessonType
from app.db import Database
from app.errors import Invalid, NotFound, UserFacingError
from app.learning import service
from app.learning.errors import LearningCode
from app.learning.models import Enrollment, EnrollmentStatus, ProgressStatus
from app.learning.progress import percentage
from tests.support.learning import (
    complete,
    completed_modules,
    completion_events,
    enroll,
    free_course,
    lessons_of,
    modules_of,
    person,
    progress_rows,
    record,
    reload,
    require_module,
    set_lesson_type,
    student_in,
)


async def update(
    database: Database, enrollment: Enrollment, lesson_id: object, **kw: object
) -> None:
    async with database.transaction() as session:
        await service.update_lesson_progress(
            session,
            student_id=enrollment.student_id,
            lesson_id=lesson_id,  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("total", [1, 3, 7])
def test_property_24_percentage_is_completed_over_total_times_100(total: int) -> None:
    assert [percentage(n, total) for n in (0, total)] == [Decimal(0), Decimal(100)]
    assert percentage(1, 3) == Decimal("33.33")
    assert percentage(2, 3) == Decimal("66.67")


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_property_24_progress_percentage_follows_every_completion_subset(
    database: Database, data: st.DataObject
) -> None:
    """Property 24: after each completion, percentage = completed / total * 100."""
    course = await free_course(database, modules=2, lessons=data.draw(st.integers(1, 3)))
    lessons = await lessons_of(database, course.id)
    picked = data.draw(st.lists(st.sampled_from(lessons), unique_by=lambda x: x.id))
    _, enrollment = await student_in(database, course)
    for done, lesson in enumerate(picked, start=1):
        await complete(database, enrollment, lesson.id)
        expected = Decimal(done) * 100 / Decimal(len(lessons))
        found = await reload(database, enrollment.id)
        assert found.progress_percentage == expected.quantize(Decimal("0.01"))
    found = await reload(database, enrollment.id)
    assert (found.status == EnrollmentStatus.COMPLETED) == (len(picked) == len(lessons))


async def test_property_25_a_module_is_completed_once_all_its_lessons_are(
    database: Database,
) -> None:
    course = await free_course(database, modules=2, lessons=2)
    first, second, third, _ = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)

    await complete(database, enrollment, first.id)
    await complete(database, enrollment, third.id)
    assert await completed_modules(database, enrollment.id) == set()

    await complete(database, enrollment, second.id)
    assert await completed_modules(database, enrollment.id) == {first.module_id}


async def test_property_28_a_lesson_behind_an_unfinished_prerequisite_module_is_locked(
    database: Database,
) -> None:
    course = await free_course(database, modules=2, lessons=1)
    intro, advanced = await modules_of(database, course.id)
    await require_module(database, advanced.id, intro.id)
    first, later = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)

    for attempt in (
        complete(database, enrollment, later.id),
        update(database, enrollment, later.id, watch_time_seconds=30),
    ):
        with pytest.raises(Invalid) as caught:
            await attempt
        assert caught.value.errors[0].code == "PREREQUISITE_NOT_MET"
    assert (await progress_rows(database, enrollment.id))[
        later.id
    ].status == ProgressStatus.NOT_STARTED

    await complete(database, enrollment, first.id)
    await complete(database, enrollment, later.id)
    assert (await progress_rows(database, enrollment.id))[
        later.id
    ].status == ProgressStatus.COMPLETED


async def test_property_28_require_lesson_access_is_shared_with_the_assessments(
    database: Database,
) -> None:
    course = await free_course(database, modules=2, lessons=1)
    intro, advanced = await modules_of(database, course.id)
    await require_module(database, advanced.id, intro.id)
    _, later = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    with pytest.raises(Invalid) as caught:
        async with database.session() as session:
            await service.require_lesson_access(session, enrollment=enrollment, lesson_id=later.id)
    assert caught.value.errors[0].code == "PREREQUISITE_NOT_MET"


async def test_watch_time_never_decreases_and_the_position_is_the_resume_point(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (lesson,) = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)

    await update(database, enrollment, lesson.id, watch_time_seconds=120, position_seconds=100)
    await update(database, enrollment, lesson.id, watch_time_seconds=60, position_seconds=40)

    row = (await progress_rows(database, enrollment.id))[lesson.id]
    assert (row.watch_time_seconds, row.last_position_seconds) == (120, 40)
    assert row.status == ProgressStatus.IN_PROGRESS
    assert row.last_accessed_at is not None
    found = await reload(database, enrollment.id)
    assert found.last_lesson_id == lesson.id
    assert found.last_accessed_at is not None


async def test_negative_times_are_rejected_and_change_nothing(database: Database) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (lesson,) = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    with pytest.raises(UserFacingError) as caught:
        await update(database, enrollment, lesson.id, watch_time_seconds=-1, position_seconds=-5)
    assert {e.field for e in caught.value.errors} == {"watch_time_seconds", "position_seconds"}
    row = (await progress_rows(database, enrollment.id))[lesson.id]
    assert row.status == ProgressStatus.NOT_STARTED
    assert row.watch_time_seconds == 0


async def test_a_student_who_is_not_enrolled_is_asked_to_enroll_first(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (lesson,) = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    stranger = await person(database)
    with pytest.raises(Invalid) as caught:
        async with database.transaction() as session:
            await service.complete_lesson(session, student_id=stranger.id, lesson_id=lesson.id)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("lesson_id", LearningCode.NOT_ENROLLED)
    ]
    assert (await progress_rows(database, enrollment.id))[
        lesson.id
    ].status == ProgressStatus.NOT_STARTED


async def test_a_lesson_of_a_hidden_course_is_not_found_for_a_student_not_enrolled(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=1, status=CourseStatus.DRAFT)
    (lesson,) = await lessons_of(database, course.id)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await service.update_lesson_progress(
                session, student_id=(await person(database)).id, lesson_id=lesson.id
            )


async def test_progress_goes_to_the_enrollment_in_the_lesson_s_course(database: Database) -> None:
    course, other = await free_course(database), await free_course(database)
    student, enrollment = await student_in(database, course)
    elsewhere = await enroll(database, student, other)
    lesson = (await lessons_of(database, other.id))[0]
    await complete(database, enrollment, lesson.id)
    assert (await progress_rows(database, elsewhere.id))[lesson.id].status == (
        ProgressStatus.COMPLETED
    )
    assert lesson.id not in await progress_rows(database, enrollment.id)


async def test_an_unknown_lesson_is_not_found(database: Database) -> None:
    course = await free_course(database)
    _, enrollment = await student_in(database, course)
    with pytest.raises(NotFound):
        await complete(database, enrollment, uuid.uuid4())


async def test_a_dropped_enrollment_records_no_progress(database: Database) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (lesson,) = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    async with database.transaction() as session:
        await service.withdraw_enrollment(
            session, student_id=student.id, enrollment_id=enrollment.id, reason=None
        )
    with pytest.raises(Invalid) as caught:
        await complete(database, enrollment, lesson.id)
    assert caught.value.errors[0].code == "NOT_ACTIVE"


async def test_quiz_and_assignment_lessons_complete_only_through_their_assessment(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    quiz, task = await lessons_of(database, course.id)
    await set_lesson_type(database, quiz.id, LessonType.QUIZ)
    await set_lesson_type(database, task.id, LessonType.ASSIGNMENT)
    _, enrollment = await student_in(database, course)

    for lesson in (quiz, task):
        with pytest.raises(Invalid) as caught:
            await complete(database, enrollment, lesson.id)
        assert caught.value.errors[0].code == "ASSESSMENT_REQUIRED"
    with pytest.raises(Invalid):
        await update(database, enrollment, quiz.id, completed=True)
    assert {r.status for r in (await progress_rows(database, enrollment.id)).values()} == {
        ProgressStatus.NOT_STARTED
    }


async def test_assessment_results_count_attempts_keep_the_best_score_and_complete_when_passed(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    quiz, _ = await lessons_of(database, course.id)
    await set_lesson_type(database, quiz.id, LessonType.QUIZ)
    _, enrollment = await student_in(database, course)

    await record(database, enrollment, quiz.id, "40", passed=False)
    row = (await progress_rows(database, enrollment.id))[quiz.id]
    assert (row.status, row.quiz_score, row.attempts_count) == (
        ProgressStatus.IN_PROGRESS,
        Decimal("40.00"),
        1,
    )
    await record(database, enrollment, quiz.id, "90", passed=True)
    await record(database, enrollment, quiz.id, "75", passed=True)
    row = (await progress_rows(database, enrollment.id))[quiz.id]
    assert (row.status, row.quiz_score, row.attempts_count) == (
        ProgressStatus.COMPLETED,
        Decimal("90.00"),
        3,
    )
    assert (await reload(database, enrollment.id)).progress_percentage == Decimal("50.00")


async def test_completing_the_last_lesson_completes_the_course_and_emits_one_event(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    first, last = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    await complete(database, enrollment, first.id)
    assert await completion_events(database, enrollment.id) == 0

    await complete(database, enrollment, last.id)
    await complete(database, enrollment, last.id)  # again: nothing changes
    await update(database, enrollment, first.id, completed=True, position_seconds=3)

    found = await reload(database, enrollment.id)
    assert found.status == EnrollmentStatus.COMPLETED
    assert found.completed_at is not None
    assert found.progress_percentage == Decimal(100)
    assert await completion_events(database, enrollment.id) == 1


async def test_completing_the_last_two_lessons_concurrently_emits_one_event(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    first, last = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    await asyncio.gather(
        complete(database, enrollment, first.id), complete(database, enrollment, last.id)
    )
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.COMPLETED
    assert await completion_events(database, enrollment.id) == 1


async def test_a_course_with_a_final_exam_completes_only_once_the_exam_is_passed(
    database: Database,
) -> None:
    course = await free_course(database, modules=1, lessons=1, requires_final_exam=True)
    (lesson,) = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    await complete(database, enrollment, lesson.id)
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.ACTIVE
    assert await completion_events(database, enrollment.id) == 0

    for _ in range(2):
        async with database.transaction() as session:
            await service.mark_final_exam_passed(session, enrollment_id=enrollment.id)
    found = await reload(database, enrollment.id)
    assert found.status == EnrollmentStatus.COMPLETED
    assert found.final_exam_passed_at is not None
    assert await completion_events(database, enrollment.id) == 1


async def test_passing_the_final_exam_first_waits_for_the_lessons(database: Database) -> None:
    course = await free_course(database, modules=1, lessons=1, requires_final_exam=True)
    (lesson,) = await lessons_of(database, course.id)
    _, enrollment = await student_in(database, course)
    async with database.transaction() as session:
        await service.mark_final_exam_passed(session, enrollment_id=enrollment.id)
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.ACTIVE
    await complete(database, enrollment, lesson.id)
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.COMPLETED
    assert await completion_events(database, enrollment.id) == 1
