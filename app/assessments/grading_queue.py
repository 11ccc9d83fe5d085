"""The instructor's grading queue: the work of one course that waits for a grade, oldest first.

Three kinds of work wait: quiz attempts in `pending_review` (subjective questions), assignment
submissions handed in and not graded yet (`submitted` or `under_review`; a revision is its own
submission) and exam attempts handed in (`submitted`). Each item carries its student, when it was
handed in, and the date it was due: the assignment's due date, the exam's or quiz's window end, or
none. Only the course's teachers (owner, co-instructors with `grades.manage`) and admins read it:
FORBIDDEN for anyone else on a published course, NOT_FOUND where that would reveal the course.

A page is one statement (a UNION ALL of the three kinds under one keyset order: hand-in time,
then id), plus the COUNT when the total is asked for; the teacher check is a fixed few more.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessments.coursework import teacher_course
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    Exam,
    ExamSubmission,
    ExamSubmissionStatus,
    GradingStatus,
    Quiz,
    QuizAttempt,
    SubmissionStatus,
)
from app.catalog.models import Lesson
from app.pagination import Page, PageRequest, paginate
from app.security.permissions import Actor

AnySelect: TypeAlias = Select[*tuple[Any, ...]]


class WorkKind(enum.StrEnum):
    QUIZ_ATTEMPT = "quiz_attempt"
    ASSIGNMENT_SUBMISSION = "assignment_submission"
    EXAM_SUBMISSION = "exam_submission"


@dataclass(frozen=True)
class QueuedWork:
    kind: WorkKind
    id: uuid.UUID
    student_id: uuid.UUID
    submitted_at: datetime
    due_at: datetime | None
    assessment_id: uuid.UUID
    assessment_title: str


def _quiz_attempts(course_id: uuid.UUID) -> AnySelect:
    stmt: AnySelect = (
        select(
            literal(WorkKind.QUIZ_ATTEMPT.value).label("kind"),
            QuizAttempt.id.label("id"),
            QuizAttempt.student_id.label("student_id"),
            func.coalesce(QuizAttempt.submitted_at, QuizAttempt.updated_at).label("submitted_at"),
            Quiz.available_until.label("due_at"),
            Quiz.id.label("assessment_id"),
            Quiz.title.label("title"),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Lesson, Lesson.id == Quiz.lesson_id)
        .where(
            Lesson.course_id == course_id,
            QuizAttempt.grading_status == GradingStatus.PENDING_REVIEW,
        )
    )
    return stmt


def _assignment_submissions(course_id: uuid.UUID) -> AnySelect:
    stmt: AnySelect = (
        select(
            literal(WorkKind.ASSIGNMENT_SUBMISSION.value),
            AssignmentSubmission.id,
            AssignmentSubmission.student_id,
            AssignmentSubmission.submitted_at,
            Assignment.due_at,
            Assignment.id,
            Assignment.title,
        )
        .join(Assignment, Assignment.id == AssignmentSubmission.assignment_id)
        .join(Lesson, Lesson.id == Assignment.lesson_id)
        .where(
            Lesson.course_id == course_id,
            AssignmentSubmission.grading_status.in_(
                [SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW]
            ),
        )
    )
    return stmt


def _exam_submissions(course_id: uuid.UUID) -> AnySelect:
    stmt: AnySelect = (
        select(
            literal(WorkKind.EXAM_SUBMISSION.value),
            ExamSubmission.id,
            ExamSubmission.user_id,
            func.coalesce(ExamSubmission.submitted_at, ExamSubmission.updated_at),
            Exam.available_until,
            Exam.id,
            Exam.title,
        )
        .join(Exam, Exam.id == ExamSubmission.exam_id)
        .where(Exam.course_id == course_id, ExamSubmission.status == ExamSubmissionStatus.SUBMITTED)
    )
    return stmt


async def grading_queue(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    request: PageRequest,
    with_total: bool = False,
) -> Page[QueuedWork]:
    """A page of the course's work waiting for a grade, oldest hand-in first."""
    await teacher_course(session, actor, course_id, grading=True)
    work = union_all(
        _quiz_attempts(course_id), _assignment_submissions(course_id), _exam_submissions(course_id)
    ).subquery("work")
    page = await paginate(
        session,
        select(work),
        order_by=[work.c.submitted_at],
        tiebreaker=work.c.id,
        request=request,
        with_total=with_total,
    )
    items = [
        QueuedWork(WorkKind(row[0]), row[1], row[2], row[3], row[4], row[5], row[6])
        for row in page.items
    ]
    return Page(items, page.cursors, page.has_next, page.has_previous, page.total_count)
