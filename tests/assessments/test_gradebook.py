"""The course gradebook: every enrolled student by every assessment, for the course's teachers,
with a constant number of statements and a signed CSV export."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from app.assessments import assignments, exams
from app.assessments import gradebook as svc
from app.assessments.models import AttemptStatus, GradingStatus, Quiz, QuizAttempt
from app.db import Database, count_statements
from app.errors import Forbidden
from app.integrations.storage import LocalStorage
from app.learning.models import Enrollment
from app.security.permissions import Actor
from tests.support.assignments import assignment_in, classroom, exam_in, storage, student_in
from tests.support.catalog import gid, instructor, token_for


async def book_for(database: Database, actor: Actor, course_id) -> svc.Gradebook:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return await svc.course_gradebook(session, actor=actor, course_id=course_id)


async def add_quiz_attempt(database: Database, room, student, score: int) -> Quiz:  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        quiz = Quiz(lesson_id=room.lesson.id, title="Check", passing_score_percentage=70)
        session.add(quiz)
        await session.flush()
        enrollment = await session.scalar(
            Enrollment.__table__.select()
            .with_only_columns(Enrollment.id)
            .where(Enrollment.student_id == student.id)
        )
        session.add(
            QuizAttempt(
                quiz_id=quiz.id,
                student_id=student.id,
                enrollment_id=enrollment,
                attempt_number=1,
                status=AttemptStatus.SUBMITTED,
                score_percentage=Decimal(score),
                grading_status=GradingStatus.AUTO_GRADED,
            )
        )
    return quiz


async def test_gradebook_shows_each_student_for_each_assessment(database: Database):
    room = await classroom(database)
    work = await assignment_in(room, database, max_points=20)
    exam = await exam_in(room, database, total_marks=50, passing_marks=25)
    ada = await student_in(database, room.course.id, first_name="Ada", last_name="A")
    bob = await student_in(database, room.course.id, first_name="Bob", last_name="B")
    quiz = await add_quiz_attempt(database, room, ada, 80)
    async with database.transaction() as session:
        sub = await assignments.submit_assignment(
            session, storage(), student_id=ada.id, assignment_id=work.id, text="x"
        )
    async with database.transaction() as session:
        await assignments.grade_assignment(
            session, actor=room.actor, submission_id=sub.id, points_awarded=Decimal(15)
        )
        attempt = await exams.start_exam(session, student_id=bob.id, exam_id=exam.id)
    book = await book_for(database, room.actor, room.course.id)
    assert [(c.kind, c.id) for c in book.columns] == [
        ("quiz", quiz.id),
        ("assignment", work.id),
        ("exam", exam.id),
    ]
    assert [r.student_id for r in book.rows] == [ada.id, bob.id]
    ada_row, bob_row = book.rows
    assert [(c.score_percentage, c.status) for c in ada_row.cells] == [
        (Decimal("80.00"), "passed"),
        (Decimal("75.00"), "graded"),
        (None, "not_started"),
    ]
    assert [c.status for c in bob_row.cells] == ["not_started", "not_started", "in_progress"]
    assert attempt.id is not None


async def test_only_the_courses_teachers_or_admins_see_the_gradebook(database: Database):
    room = await classroom(database)
    student = await student_in(database, room.course.id)
    for outsider in (Actor.of(student), Actor.of(await instructor(database))):
        with pytest.raises(Forbidden):
            await book_for(database, outsider, room.course.id)


async def statements_for(database: Database, room, students: int) -> int:  # type: ignore[no-untyped-def]
    work = await assignment_in(room, database)
    for i in range(students):
        student = await student_in(database, room.course.id, first_name=f"S{i}")
        async with database.transaction() as session:
            await assignments.submit_assignment(
                session, storage(), student_id=student.id, assignment_id=work.id, text="x"
            )
    with count_statements(database.engine) as counter:
        book = await book_for(database, room.actor, room.course.id)
    assert len(book.rows) == students
    return counter.count


async def test_statement_count_does_not_grow_with_students(database: Database):
    one = await statements_for(database, await classroom(database), 1)
    twenty = await statements_for(database, await classroom(database), 20)
    assert twenty == one


async def test_csv_export_is_a_signed_download_of_the_gradebook(database: Database):
    room = await classroom(database)
    await assignment_in(room, database, title="Essay one")
    await student_in(database, room.course.id, first_name="=cmd", last_name="Z")
    book = await book_for(database, room.actor, room.course.id)
    store = storage()
    assert isinstance(store, LocalStorage)
    url = await svc.export_csv(store, book, expires_in=60)
    grant = store.signer.verify(url.rsplit("/", 1)[1], "get")
    assert grant.key.startswith(f"exports/gradebooks/{room.course.id}/")
    assert grant.expires <= time.time() + 61
    header, row = (await store.read(grant.key)).decode().splitlines()[:2]
    assert "Assignment: Essay one" in header
    assert row.startswith("'=cmd Z,")  # no formula injection through a name


def exported_files(store: LocalStorage, course_id) -> list[str]:  # type: ignore[no-untyped-def]
    folder = store.object_path(f"exports/gradebooks/{course_id}/x.csv").parent
    return sorted(p.name for p in folder.glob("*.csv")) if folder.exists() else []


async def test_exporting_unchanged_data_again_reuses_the_stored_file(database: Database):
    room = await classroom(database)
    student = await student_in(database, room.course.id)
    store = storage()
    assert isinstance(store, LocalStorage)

    async def export() -> str:
        async with database.session() as session:
            done = await svc.export_course_gradebook(
                session, store, actor=room.actor, course_id=room.course.id
            )
        return store.signer.verify(done.url.rsplit("/", 1)[1], "get").key

    first, again = await export(), await export()
    assert first == again
    assert len(exported_files(store, room.course.id)) == 1
    await add_quiz_attempt(database, room, student, 80)
    changed = await export()
    assert changed != first
    assert len(exported_files(store, room.course.id)) == 2


async def test_reading_the_gradebook_writes_no_file(client, database: Database):  # type: ignore[no-untyped-def]
    """Only exportGradebook writes a CSV: a read (however often) leaves storage as it was."""
    room = await classroom(database)
    await student_in(database, room.course.id)
    store = storage()
    assert isinstance(store, LocalStorage)
    query = "query($id: ID!) { courseGradebook(courseId: $id) { rows { name } } }"
    for _ in range(3):
        outcome = await client.execute(
            query, {"id": gid("Course", room.course.id)}, token=token_for(client, room.teacher)
        )
        assert len(outcome.payload("courseGradebook")["rows"]) == 1
    assert exported_files(store, room.course.id) == []
