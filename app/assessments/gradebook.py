"""A course's gradebook: every enrolled student by every assessment of the course.

Assessments are the quizzes of the course's lessons, its assignments and its exams, in that order
(each by lesson/creation order). A cell holds the student's best score in percent and a status:
- quiz: best graded attempt; `pending_review` while an attempt awaits manual grading;
  `in_progress` for an open attempt; `passed`/`failed` against the quiz's passing score.
- assignment: the latest submission (revision) — its points after the late penalty, and its
  `submitted` / `under_review` / `graded` / `revision_requested` status.
- exam: best graded attempt, `passed`/`failed` against the passing marks; otherwise the latest
  attempt's status.
`not_started` when there is nothing. The reads are a fixed number of statements whatever the
number of students (set-based aggregates, no per-student query).

Reading the gradebook writes nothing. The CSV export (made only on request) is written through the
storage integration under a content-addressed key (`exports/gradebooks/<course>/<sha256>.csv`):
exporting unchanged data again reuses the stored object instead of adding one per click. It is
handed out as a signed download URL that expires after CSV_URL_TTL_SECONDS.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.assessments.coursework import percentage, teacher_course
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AttemptStatus,
    Exam,
    ExamSubmission,
    ExamSubmissionStatus,
    GradingStatus,
    Quiz,
    QuizAttempt,
)
from app.catalog.models import CourseModule, Lesson
from app.clock import utcnow
from app.integrations.storage import Storage
from app.learning.models import Enrollment, EnrollmentStatus
from app.security.permissions import Actor

CSV_URL_TTL_SECONDS = 15 * 60


class CellStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    PENDING_REVIEW = "pending_review"
    UNDER_REVIEW = "under_review"
    GRADED = "graded"
    REVISION_REQUESTED = "revision_requested"
    REVISION_REQUIRED = "revision_required"
    PASSED = "passed"
    FAILED = "failed"


class AssessmentKind(enum.StrEnum):
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    EXAM = "exam"


NOT_STARTED = CellStatus.NOT_STARTED


@dataclass(frozen=True)
class Column:
    kind: AssessmentKind
    id: uuid.UUID
    title: str


@dataclass(frozen=True)
class Cell:
    score_percentage: Decimal | None
    status: CellStatus


@dataclass
class Row:
    student_id: uuid.UUID
    name: str
    email: str
    enrollment_status: EnrollmentStatus
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Gradebook:
    course_id: uuid.UUID
    course_title: str
    columns: list[Column]
    rows: list[Row]


Key = tuple[uuid.UUID, uuid.UUID]  # (assessment id, student id)


async def course_gradebook(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID
) -> Gradebook:
    course = await teacher_course(session, actor, course_id, grading=True)
    columns, quizzes = await _columns(session, course.id)
    cells: dict[Key, Cell] = {}
    cells.update(await _quiz_cells(session, quizzes))
    cells.update(
        await _assignment_cells(
            session, [c.id for c in columns if c.kind == AssessmentKind.ASSIGNMENT]
        )
    )
    cells.update(await _exam_cells(session, course.id))
    rows = await _students(session, course.id)
    for row in rows:
        row.cells = [cells.get((c.id, row.student_id), Cell(None, NOT_STARTED)) for c in columns]
    return Gradebook(course.id, course.title, columns, rows)


async def _students(session: AsyncSession, course_id: uuid.UUID) -> list[Row]:
    result = await session.execute(
        select(User.id, User.first_name, User.last_name, User.email, Enrollment.status)
        .join(Enrollment, Enrollment.student_id == User.id)
        .where(
            Enrollment.course_id == course_id,
            Enrollment.status.in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]),
        )
        .order_by(User.last_name, User.first_name, User.email)
    )
    return [Row(r[0], f"{r[1]} {r[2]}", r[3], EnrollmentStatus(r[4])) for r in result]


def _lesson_ordered(stmt: Any, lesson_col: Any) -> Any:
    return (
        stmt.join(Lesson, Lesson.id == lesson_col)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .order_by(CourseModule.order_number, Lesson.order_number)
    )


async def _columns(
    session: AsyncSession, course_id: uuid.UUID
) -> tuple[list[Column], dict[uuid.UUID, int]]:
    """The course's assessments, and each quiz's passing percentage."""
    quizzes = (
        await session.execute(
            _lesson_ordered(
                select(Quiz.id, Quiz.title, Quiz.passing_score_percentage), Quiz.lesson_id
            )
            .where(Lesson.course_id == course_id)
            .order_by(Quiz.id)
        )
    ).all()
    assignments = (
        await session.execute(
            _lesson_ordered(select(Assignment.id, Assignment.title), Assignment.lesson_id)
            .where(Lesson.course_id == course_id)
            .order_by(Assignment.id)
        )
    ).all()
    exams = (
        await session.execute(
            select(Exam.id, Exam.title).where(Exam.course_id == course_id).order_by(Exam.id)
        )
    ).all()
    columns = [
        *(Column(AssessmentKind.QUIZ, q[0], q[1]) for q in quizzes),
        *(Column(AssessmentKind.ASSIGNMENT, a[0], a[1]) for a in assignments),
        *(Column(AssessmentKind.EXAM, e[0], e[1]) for e in exams),
    ]
    return columns, {q[0]: q[2] for q in quizzes}


async def _quiz_cells(session: AsyncSession, quizzes: dict[uuid.UUID, int]) -> dict[Key, Cell]:
    if not quizzes:
        return {}
    graded = QuizAttempt.grading_status.in_([GradingStatus.AUTO_GRADED, GradingStatus.GRADED])
    result = await session.execute(
        select(
            QuizAttempt.quiz_id,
            QuizAttempt.student_id,
            func.max(QuizAttempt.score_percentage).filter(graded),
            func.bool_or(QuizAttempt.grading_status == GradingStatus.PENDING_REVIEW),
            func.bool_or(QuizAttempt.status == AttemptStatus.IN_PROGRESS),
        )
        .where(QuizAttempt.quiz_id.in_(list(quizzes)))
        .group_by(QuizAttempt.quiz_id, QuizAttempt.student_id)
    )
    cells: dict[Key, Cell] = {}
    for quiz_id, student_id, best, pending, open_ in result:
        if pending:
            status = CellStatus.PENDING_REVIEW
        elif best is not None:
            status = CellStatus.PASSED if best >= quizzes[quiz_id] else CellStatus.FAILED
        else:
            status = CellStatus.IN_PROGRESS if open_ else CellStatus.SUBMITTED
        cells[(quiz_id, student_id)] = Cell(best, status)
    return cells


async def _assignment_cells(
    session: AsyncSession, assignment_ids: list[uuid.UUID]
) -> dict[Key, Cell]:
    if not assignment_ids:
        return {}
    result = await session.execute(
        select(
            AssignmentSubmission.assignment_id,
            AssignmentSubmission.student_id,
            AssignmentSubmission.points_awarded,
            AssignmentSubmission.grading_status,
            Assignment.max_points,
        )
        .join(Assignment, Assignment.id == AssignmentSubmission.assignment_id)
        .where(AssignmentSubmission.assignment_id.in_(assignment_ids))
        .ext(distinct_on(AssignmentSubmission.assignment_id, AssignmentSubmission.student_id))
        .order_by(
            AssignmentSubmission.assignment_id,
            AssignmentSubmission.student_id,
            AssignmentSubmission.revision_number.desc(),
        )
    )
    return {
        (a_id, s_id): Cell(
            None if points is None else percentage(points, top), CellStatus(str(status))
        )
        for a_id, s_id, points, status, top in result
    }


async def _exam_cells(session: AsyncSession, course_id: uuid.UUID) -> dict[Key, Cell]:
    graded = ExamSubmission.status == ExamSubmissionStatus.GRADED
    result = await session.execute(
        select(
            ExamSubmission.exam_id,
            ExamSubmission.user_id,
            func.max(ExamSubmission.score).filter(graded),
            Exam.total_marks,
            Exam.passing_marks,
        )
        .join(Exam, and_(Exam.id == ExamSubmission.exam_id, Exam.course_id == course_id))
        .group_by(ExamSubmission.exam_id, ExamSubmission.user_id, Exam.id)
    )
    rows = result.all()
    statuses = await _latest_exam_statuses(session, course_id)
    cells: dict[Key, Cell] = {}
    for exam_id, user_id, best, total, passing in rows:
        if best is not None:
            cells[(exam_id, user_id)] = Cell(
                percentage(best, total), CellStatus.PASSED if best >= passing else CellStatus.FAILED
            )
        else:
            cells[(exam_id, user_id)] = Cell(None, statuses.get((exam_id, user_id), NOT_STARTED))
    return cells


async def _latest_exam_statuses(
    session: AsyncSession, course_id: uuid.UUID
) -> dict[Key, CellStatus]:
    result = await session.execute(
        select(ExamSubmission.exam_id, ExamSubmission.user_id, ExamSubmission.status)
        .join(Exam, and_(Exam.id == ExamSubmission.exam_id, Exam.course_id == course_id))
        .ext(distinct_on(ExamSubmission.exam_id, ExamSubmission.user_id))
        .order_by(
            ExamSubmission.exam_id, ExamSubmission.user_id, ExamSubmission.attempt_number.desc()
        )
    )
    return {(e, u): CellStatus(str(s)) for e, u, s in result}


# --- CSV export ----------------------------------------------------------------------------------


def gradebook_csv(book: Gradebook) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Student",
            "Email",
            "Enrollment",
            *(f"{c.kind.value.title()}: {c.title}" for c in book.columns),
        ]
    )
    for row in book.rows:
        writer.writerow(
            [
                _safe(row.name),
                _safe(row.email),
                row.enrollment_status.value,
                *(
                    c.status.value
                    if c.score_percentage is None
                    else f"{c.score_percentage} ({c.status.value})"
                    for c in row.cells
                ),
            ]
        )
    return out.getvalue().encode("utf-8")


def _safe(value: str) -> str:
    """No spreadsheet formula injection through names."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def export_csv(
    storage: Storage, book: Gradebook, *, expires_in: int = CSV_URL_TTL_SECONDS
) -> str:
    """Store the gradebook as CSV (once per content) and return a signed, expiring download URL."""
    data = gradebook_csv(book)
    key = f"exports/gradebooks/{book.course_id}/{hashlib.sha256(data).hexdigest()}.csv"
    if await storage.head(key) is None:
        await storage.put(key, data, "text/csv")
    return storage.download_url(key, expires_in=expires_in, filename="gradebook.csv")


@dataclass(frozen=True)
class Export:
    url: str
    expires_at: datetime


async def export_course_gradebook(
    session: AsyncSession, storage: Storage, *, actor: Actor, course_id: uuid.UUID
) -> Export:
    """The course's gradebook as a CSV file: a signed download URL and when it expires."""
    book = await course_gradebook(session, actor=actor, course_id=course_id)
    expires_at = utcnow() + timedelta(seconds=CSV_URL_TTL_SECONDS)
    return Export(await export_csv(storage, book), expires_at)
