"""The SQL of the assessments domain (the gradebook's report queries live in `gradebook`); never
commits. Batch reads take a list of keys and return the rows in key order (None or an empty list
where nothing matches) in one statement: the loaders wrap them. The services use the single-row
reads, counts and row locks at the end."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AssignmentSubmissionFile,
    AttemptStatus,
    Exam,
    ExamResource,
    ExamSubmission,
    ExamSubmissionFile,
    Question,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)

K = TypeVar("K")
T = TypeVar("T")
# (student id, quiz / assignment / exam id): the student's rows of one assessment
StudentKey = tuple[uuid.UUID, uuid.UUID]


def _by_key(rows: Sequence[T], keys: Sequence[K], key_of: Any) -> list[T | None]:
    found = {key_of(row): row for row in rows}
    return [found.get(key) for key in keys]


def _grouped(rows: Sequence[T], keys: Sequence[K], key_of: Any) -> list[list[T]]:
    groups: dict[K, list[T]] = {key: [] for key in keys}
    for row in rows:
        groups[key_of(row)].append(row)
    return [groups[key] for key in keys]


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.scalars(statement)).all())


# --- quizzes -------------------------------------------------------------------------------------


async def quizzes_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Quiz | None]:
    rows = await _rows(session, select(Quiz).where(Quiz.id.in_(ids)))
    return _by_key(rows, ids, lambda q: q.id)


async def quizzes_by_lesson_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Quiz | None]:
    rows = await _rows(session, select(Quiz).where(Quiz.lesson_id.in_(ids)))
    return _by_key(rows, ids, lambda q: q.lesson_id)


async def questions_by_quiz_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[Question]]:
    rows = await _rows(
        session, select(Question).where(Question.quiz_id.in_(ids)).order_by(Question.order_number)
    )
    return _grouped(rows, ids, lambda q: q.quiz_id)


async def questions_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Question | None]:
    rows = await _rows(session, select(Question).where(Question.id.in_(ids)))
    return _by_key(rows, ids, lambda q: q.id)


async def attempts_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[QuizAttempt | None]:
    rows = await _rows(session, select(QuizAttempt).where(QuizAttempt.id.in_(ids)))
    return _by_key(rows, ids, lambda a: a.id)


async def attempts_by_student_quiz(
    session: AsyncSession, keys: Sequence[StudentKey]
) -> list[list[QuizAttempt]]:
    """Each student's attempts at each quiz, newest first."""
    rows = await _rows(
        session,
        select(QuizAttempt)
        .where(tuple_(QuizAttempt.student_id, QuizAttempt.quiz_id).in_(keys))
        .order_by(QuizAttempt.attempt_number.desc()),
    )
    return _grouped(rows, keys, lambda a: (a.student_id, a.quiz_id))


async def answers_by_attempt_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[QuizAnswer]]:
    rows = await _rows(session, select(QuizAnswer).where(QuizAnswer.attempt_id.in_(ids)))
    return _grouped(rows, ids, lambda a: a.attempt_id)


# --- assignments ---------------------------------------------------------------------------------


async def assignments_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Assignment | None]:
    rows = await _rows(session, select(Assignment).where(Assignment.id.in_(ids)))
    return _by_key(rows, ids, lambda a: a.id)


async def submissions_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[AssignmentSubmission | None]:
    rows = await _rows(
        session, select(AssignmentSubmission).where(AssignmentSubmission.id.in_(ids))
    )
    return _by_key(rows, ids, lambda s: s.id)


async def submissions_by_student_assignment(
    session: AsyncSession, keys: Sequence[StudentKey]
) -> list[list[AssignmentSubmission]]:
    """Each student's submissions (revisions, oldest first) of each assignment."""
    rows = await _rows(
        session,
        select(AssignmentSubmission)
        .where(
            tuple_(AssignmentSubmission.student_id, AssignmentSubmission.assignment_id).in_(keys)
        )
        .order_by(AssignmentSubmission.revision_number),
    )
    return _grouped(rows, keys, lambda s: (s.student_id, s.assignment_id))


async def submission_files_by_submission_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[AssignmentSubmissionFile]]:
    rows = await _rows(
        session,
        select(AssignmentSubmissionFile)
        .where(AssignmentSubmissionFile.submission_id.in_(ids))
        .order_by(AssignmentSubmissionFile.created_at, AssignmentSubmissionFile.id),
    )
    return _grouped(rows, ids, lambda f: f.submission_id)


# --- exams ---------------------------------------------------------------------------------------


async def exams_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Exam | None]:
    rows = await _rows(session, select(Exam).where(Exam.id.in_(ids)))
    return _by_key(rows, ids, lambda e: e.id)


async def exam_resources_by_exam_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[ExamResource]]:
    rows = await _rows(
        session,
        select(ExamResource).where(ExamResource.exam_id.in_(ids)).order_by(ExamResource.id),
    )
    return _grouped(rows, ids, lambda r: r.exam_id)


async def exam_submissions_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[ExamSubmission | None]:
    rows = await _rows(session, select(ExamSubmission).where(ExamSubmission.id.in_(ids)))
    return _by_key(rows, ids, lambda s: s.id)


async def exam_submissions_by_student_exam(
    session: AsyncSession, keys: Sequence[StudentKey]
) -> list[list[ExamSubmission]]:
    """Each student's attempts at each exam, oldest first."""
    rows = await _rows(
        session,
        select(ExamSubmission)
        .where(tuple_(ExamSubmission.user_id, ExamSubmission.exam_id).in_(keys))
        .order_by(ExamSubmission.attempt_number),
    )
    return _grouped(rows, keys, lambda s: (s.user_id, s.exam_id))


async def exam_files_by_submission_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[ExamSubmissionFile]]:
    rows = await _rows(
        session,
        select(ExamSubmissionFile)
        .where(ExamSubmissionFile.submission_id.in_(ids))
        .order_by(ExamSubmissionFile.created_at, ExamSubmissionFile.id),
    )
    return _grouped(rows, ids, lambda f: f.submission_id)


# --- single rows, counts and row locks the services take -----------------------------------------


async def get_quiz(session: AsyncSession, quiz_id: uuid.UUID) -> Quiz | None:
    return await session.get(Quiz, quiz_id)


async def get_question(session: AsyncSession, question_id: uuid.UUID) -> Question | None:
    return await session.get(Question, question_id)


async def count_questions(session: AsyncSession, quiz_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Question).where(Question.quiz_id == quiz_id)
    )
    return int(found or 0)


async def quiz_lesson_ids_titled(session: AsyncSession, title: str) -> list[uuid.UUID]:
    return await _rows(session, select(Quiz.lesson_id).where(Quiz.title == title))


async def lock_attempt(session: AsyncSession, attempt_id: uuid.UUID) -> QuizAttempt | None:
    return await session.get(QuizAttempt, attempt_id, with_for_update=True)


async def in_progress_attempt(
    session: AsyncSession, quiz_id: uuid.UUID, student_id: uuid.UUID
) -> QuizAttempt | None:
    return await session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.student_id == student_id,
            QuizAttempt.status == AttemptStatus.IN_PROGRESS,
        )
    )


async def last_attempt_number(
    session: AsyncSession, quiz_id: uuid.UUID, student_id: uuid.UUID
) -> int:
    found = await session.scalar(
        select(func.max(QuizAttempt.attempt_number)).where(
            QuizAttempt.quiz_id == quiz_id, QuizAttempt.student_id == student_id
        )
    )
    return int(found or 0)


async def best_score(
    session: AsyncSession, quiz_id: uuid.UUID, student_id: uuid.UUID
) -> Decimal | None:
    return await session.scalar(
        select(func.max(QuizAttempt.score_percentage)).where(
            QuizAttempt.quiz_id == quiz_id, QuizAttempt.student_id == student_id
        )
    )


async def answer_to(
    session: AsyncSession, attempt_id: uuid.UUID, question_id: uuid.UUID
) -> QuizAnswer | None:
    return await session.scalar(
        select(QuizAnswer).where(
            QuizAnswer.attempt_id == attempt_id, QuizAnswer.question_id == question_id
        )
    )


async def lock_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> Assignment | None:
    return await session.get(Assignment, assignment_id, with_for_update=True)


async def lock_submission(
    session: AsyncSession, submission_id: uuid.UUID
) -> AssignmentSubmission | None:
    return await session.get(AssignmentSubmission, submission_id, with_for_update=True)


async def lock_latest_submission(
    session: AsyncSession, assignment_id: uuid.UUID, student_id: uuid.UUID
) -> AssignmentSubmission | None:
    """The student's latest revision of the assignment, row-locked."""
    return await session.scalar(
        select(AssignmentSubmission)
        .where(
            AssignmentSubmission.assignment_id == assignment_id,
            AssignmentSubmission.student_id == student_id,
        )
        .order_by(AssignmentSubmission.revision_number.desc())
        .limit(1)
        .with_for_update()
    )


async def lock_exam(session: AsyncSession, exam_id: uuid.UUID) -> Exam | None:
    return await session.get(Exam, exam_id, with_for_update=True)


async def other_final_exam(
    session: AsyncSession, course_id: uuid.UUID, exam_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The id of the course's final exam other than `exam_id`, if any."""
    return await session.scalar(
        select(Exam.id).where(Exam.course_id == course_id, Exam.is_final, Exam.id != exam_id)
    )


async def lock_exam_submission(
    session: AsyncSession, submission_id: uuid.UUID
) -> ExamSubmission | None:
    return await session.get(ExamSubmission, submission_id, with_for_update=True)
