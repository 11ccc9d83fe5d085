"""Course exams (seed 000 §7.3): timed attempts with a server-side deadline, attempt limits that
hold under concurrency, file submissions, grading and revision, the final exam."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.assessments import exams as svc
from app.assessments import repo
from app.assessments.models import ExamSubmission, ExamSubmissionFile, ExamSubmissionStatus
from app.clock import utcnow
from app.db import Database
from app.errors import Forbidden, UserFacingError
from app.learning.models import Enrollment
from app.media.models import FileAsset, FilePurpose
from app.media.service import finalize_upload
from app.security.permissions import Actor
from tests.support.assignments import (
    PDF,
    classroom,
    count,
    enrollment_of,
    exam_in,
    person,
    storage,
    student_in,
    upload,
)
from tests.support.catalog import instructor


async def start(database: Database, student_id, exam_id) -> ExamSubmission:  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await svc.start_exam(session, student_id=student_id, exam_id=exam_id)


async def submit(database: Database, student_id, submission_id, **kw) -> ExamSubmission:  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await svc.submit_exam(
            session, storage(), student_id=student_id, submission_id=submission_id, **kw
        )


async def grade(database: Database, actor: Actor, submission_id, **kw) -> ExamSubmission:  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await svc.grade_exam(session, actor=actor, submission_id=submission_id, **kw)


async def expire(database: Database, submission_id) -> None:  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        row = await session.get(ExamSubmission, submission_id)
        assert row is not None
        row.deadline_at = utcnow() - timedelta(seconds=1)


async def test_teacher_creates_an_exam_with_a_window(database: Database):
    room = await classroom(database)
    now = utcnow()
    exam = await exam_in(
        room, database, available_from=now, available_until=now + timedelta(days=1), is_final=True
    )
    assert (exam.duration_minutes, exam.is_final) == (60, True)


async def test_passing_marks_above_total_are_refused(database: Database):
    room = await classroom(database)
    with pytest.raises(UserFacingError) as err:
        await exam_in(room, database, total_marks=50, passing_marks=60)
    assert (err.value.errors[0].field, err.value.errors[0].code) == (
        "passing_marks",
        "OUT_OF_RANGE",
    )


async def test_a_course_has_at_most_one_final_exam(database: Database):
    room = await classroom(database)
    await exam_in(room, database, is_final=True)
    with pytest.raises(UserFacingError) as err:
        await exam_in(room, database, is_final=True)
    assert err.value.errors[0].code == "FINAL_EXAM_EXISTS"


async def test_another_courses_teacher_cannot_create_exams(database: Database):
    room = await classroom(database)
    other = Actor.of(await instructor(database))
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await svc.create_exam(
                session, actor=other, course_id=room.course.id, title="x", duration_minutes=5
            )


async def test_resources_are_links_or_files(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    async with database.transaction() as session:
        link = await svc.add_exam_resource(
            session, actor=room.actor, exam_id=exam.id, file_name="Sheet", url="https://x.test/a"
        )
    blank = {"url": "  "}  # a blank link is no link (found by fuzzing: it broke a constraint)
    for both_or_none in ({}, {"url": "https://x.test/b", "file_id": link.id}, blank, {"url": ""}):
        async with database.transaction() as session:
            with pytest.raises(UserFacingError) as err:
                await svc.add_exam_resource(
                    session, actor=room.actor, exam_id=exam.id, file_name="x", **both_or_none
                )
        assert [(e.field, e.code) for e in err.value.errors] == [(None, "INVALID")]
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as err:
            await svc.add_exam_resource(
                session, actor=room.actor, exam_id=exam.id, file_name="x", url="ftp://x.test"
            )
    assert [(e.field, e.code) for e in err.value.errors] == [("url", "INVALID_URL")]
    async with database.session() as session:
        [rows] = await repo.exam_resources_by_exam_ids(session, [exam.id])
    assert [r.id for r in rows] == [link.id]
    assert svc.resource_url(storage(), rows[0], None) == "https://x.test/a"


async def test_start_sets_a_server_side_deadline_capped_by_the_window(database: Database):
    room = await classroom(database)
    closes = utcnow() + timedelta(minutes=10)
    exam = await exam_in(room, database, duration_minutes=60, available_until=closes)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    assert attempt.deadline_at == closes
    assert attempt.status == ExamSubmissionStatus.IN_PROGRESS


async def test_starting_again_resumes_the_open_attempt(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    student = await student_in(database, room.course.id)
    first = await start(database, student.id, exam.id)
    again = await start(database, student.id, exam.id)
    assert again.id == first.id


async def test_a_student_not_enrolled_cannot_start(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    outsider = await person(database)
    with pytest.raises(Forbidden):
        await start(database, outsider.id, exam.id)


async def test_an_exam_outside_its_window_cannot_be_started(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, available_from=utcnow() + timedelta(hours=1))
    student = await student_in(database, room.course.id)
    with pytest.raises(UserFacingError) as err:
        await start(database, student.id, exam.id)
    assert err.value.errors[0].code == "NOT_OPEN_YET"


async def test_the_attempts_limit_holds(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, attempts_limit=2)
    student = await student_in(database, room.course.id)
    for _ in range(2):
        attempt = await start(database, student.id, exam.id)
        await submit(database, student.id, attempt.id, notes="done")
    with pytest.raises(UserFacingError) as err:
        await start(database, student.id, exam.id)
    assert err.value.errors[0].code == "ATTEMPTS_EXHAUSTED"


async def test_two_concurrent_starts_never_exceed_the_limit(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, attempts_limit=1)
    student = await student_in(database, room.course.id)
    results = await asyncio.gather(
        *(start(database, student.id, exam.id) for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(r, ExamSubmission) for r in results), results
    assert len({r.id for r in results if isinstance(r, ExamSubmission)}) == 1
    assert await count(database, ExamSubmission) == 1


async def test_submitting_after_the_deadline_is_refused_and_changes_nothing(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    await expire(database, attempt.id)
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, attempt.id, notes="late")
    assert err.value.errors[0].code == "ATTEMPT_EXPIRED"
    async with database.session() as session:
        row = await session.get(ExamSubmission, attempt.id)
    assert row is not None
    assert (row.status, row.notes) == (ExamSubmissionStatus.IN_PROGRESS, None)


async def test_an_expired_open_attempt_counts_when_starting_again(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, attempts_limit=2)
    student = await student_in(database, room.course.id)
    first = await start(database, student.id, exam.id)
    await expire(database, first.id)
    second = await start(database, student.id, exam.id)
    assert second.attempt_number == 2
    async with database.session() as session:
        closed = await session.get(ExamSubmission, first.id)
    assert closed is not None
    assert closed.status == ExamSubmissionStatus.SUBMITTED


async def test_a_submission_carries_notes_and_files_and_is_accepted_once(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    file_id = await upload(database, student, PDF, purpose=FilePurpose.EXAM_SUBMISSION)
    done = await submit(database, student.id, attempt.id, notes="see file", file_ids=[file_id])
    assert (done.status, done.notes) == (ExamSubmissionStatus.SUBMITTED, "see file")
    assert await count(database, ExamSubmissionFile) == 1
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, attempt.id)
    assert err.value.errors[0].code == "ALREADY_SUBMITTED"


async def test_grading_passes_at_the_passing_marks(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, total_marks=100, passing_marks=70)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    await submit(database, student.id, attempt.id)
    graded = await grade(database, room.actor, attempt.id, score=Decimal(70), feedback="ok")
    assert (graded.status, graded.is_passed) == (ExamSubmissionStatus.GRADED, True)


async def test_a_revision_required_attempt_does_not_use_up_the_limit(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, attempts_limit=1)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    await submit(database, student.id, attempt.id)
    sent_back = await grade(
        database, room.actor, attempt.id, score=Decimal(40), feedback="Redo", require_revision=True
    )
    assert sent_back.status == ExamSubmissionStatus.REVISION_REQUIRED
    retry = await start(database, student.id, exam.id)
    assert retry.attempt_number == 2


async def test_students_and_other_teachers_cannot_grade_exams(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    await submit(database, student.id, attempt.id)
    for grader in (Actor.of(student), Actor.of(await instructor(database))):
        with pytest.raises(Forbidden):
            await grade(database, grader, attempt.id, score=Decimal(100))


async def test_passing_the_final_exam_is_recorded_on_the_enrollment(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database, is_final=True)
    student = await student_in(database, room.course.id)
    attempt = await start(database, student.id, exam.id)
    await submit(database, student.id, attempt.id)
    await grade(database, room.actor, attempt.id, score=Decimal(90))
    enrollment = await enrollment_of(database, student, room.course.id)
    async with database.session() as session:
        passed_at = await session.scalar(
            select(Enrollment.final_exam_passed_at).where(Enrollment.id == enrollment.id)
        )
    assert passed_at is not None


async def test_a_resource_file_is_served_through_a_signed_url(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    file_id = await upload(database, room.teacher, PDF, purpose=FilePurpose.EXAM_RESOURCE)
    async with database.transaction() as session:
        await finalize_upload(session, storage(), owner_id=room.teacher.id, file_asset_id=file_id)
        await svc.add_exam_resource(
            session, actor=room.actor, exam_id=exam.id, file_name="Sheet", file_id=file_id
        )
    async with database.session() as session:
        [rows] = await repo.exam_resources_by_exam_ids(session, [exam.id])
        asset = await session.get(FileAsset, file_id)
    url = svc.resource_url(storage(), rows[0], asset)
    assert rows[0].content_type == "application/pdf"
    assert url is not None
    assert "/files/download/" in url


async def test_an_unfinished_or_foreign_upload_is_not_a_resource(database: Database):
    room = await classroom(database)
    exam = await exam_in(room, database)
    pending = await upload(database, room.teacher, PDF, purpose=FilePurpose.EXAM_RESOURCE)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as err:
            await svc.add_exam_resource(
                session, actor=room.actor, exam_id=exam.id, file_name="Sheet", file_id=pending
            )
    assert [(e.field, e.code) for e in err.value.errors] == [("file_id", "FILE_NOT_FOUND")]
