"""Taking a quiz: start (or resume) an attempt, save answers, submit.

Only students enrolled in the course, with access to the quiz's lesson (prerequisites), take it.
- Start: inside the availability window and under the attempt cap (0: no cap). The student's
  enrollment row is locked first, so two concurrent starts run one after the other: the second
  resumes the first's attempt instead of creating another, and the cap can never be exceeded
  (the partial unique index on in-progress attempts backs this up). An unfinished attempt is
  resumed; one whose time ran out is closed as expired (graded with what was saved in time)
  before a new one starts. The question order (and option order per question) is drawn per
  attempt when the quiz randomises it, and stored. The deadline is the time limit after the
  start, capped by the end of the availability window (Property 31: status in progress, started
  now).
- Save: the attempt row is locked; after the deadline nothing is stored (ATTEMPT_EXPIRED). The
  question must be one of the attempt's questions, option ids must be that question's, and the
  answer must have the shape of its type (`quiz_shapes`).
- Submit: the attempt row is locked, so of two concurrent submissions one grades and the other
  sees the result (grading happens once). After the deadline the attempt is graded with the
  answers saved in time and marked expired (`grading.finish`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.analytics import EntityType, EventType, record_event
from app.assessments import grading, repo
from app.assessments.coursework import lesson_of
from app.assessments.errors import AssessmentsCode
from app.assessments.models import (
    AttemptStatus,
    Question,
    QuestionType,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)
from app.assessments.quiz_shapes import Answer, check_answer, option_ids
from app.assessments.quizzes import get_quiz, questions_of
from app.clock import utcnow
from app.errors import Invalid, NotFound
from app.learning import lock_enrollment
from app.learning import service as learning
from app.learning.models import Enrollment

_shuffle = random.SystemRandom().shuffle


async def _enrollment_for(session: AsyncSession, student_id: uuid.UUID, quiz: Quiz) -> Enrollment:
    lesson = await lesson_of(session, quiz.lesson_id, "Quiz")
    enrollment = await learning.require_enrollment(
        session, student_id=student_id, course_id=lesson.course_id
    )
    await learning.require_lesson_access(session, enrollment=enrollment, lesson_id=lesson.id)
    return enrollment


def _check_window(quiz: Quiz, now: datetime) -> None:
    if quiz.available_from is not None and now < quiz.available_from:
        raise Invalid("quiz_id", "This quiz has not opened yet", AssessmentsCode.NOT_OPEN_YET)
    if quiz.available_until is not None and now >= quiz.available_until:
        raise Invalid("quiz_id", "This quiz has closed", AssessmentsCode.CLOSED)


def _deadline(quiz: Quiz, now: datetime) -> datetime | None:
    ends = [quiz.available_until] if quiz.available_until is not None else []
    if quiz.time_limit_minutes is not None:
        ends.append(now + timedelta(minutes=quiz.time_limit_minutes))
    return min(ends, default=None)


def _orders(quiz: Quiz, questions: Sequence[Question]) -> tuple[list[str], dict[str, Any]]:
    order = [str(q.id) for q in questions]
    if quiz.randomize_questions:
        _shuffle(order)
    options: dict[str, Any] = {}
    for question in questions:
        ids = option_ids(QuestionType(question.type), question.options)
        if ids:
            if quiz.randomize_options:
                _shuffle(ids)
            options[str(question.id)] = ids
    return order, options


async def start_quiz_attempt(
    session: AsyncSession, *, student_id: uuid.UUID, quiz_id: uuid.UUID
) -> QuizAttempt:
    """The student's unfinished attempt, or a new one."""
    quiz = await get_quiz(session, quiz_id)
    if quiz is None:
        raise NotFound("Quiz")
    enrollment = await _enrollment_for(session, student_id, quiz)
    await lock_enrollment(session, enrollment.id)
    now = utcnow()
    current = await repo.in_progress_attempt(session, quiz_id, student_id)
    if current is not None:
        if current.deadline_at is None or now < current.deadline_at:
            return current
        await grading.finish(session, quiz, current, now=now)
    _check_window(quiz, now)
    used = await repo.last_attempt_number(session, quiz_id, student_id)
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise Invalid(
            "quiz_id",
            "You have used every attempt of this quiz",
            AssessmentsCode.ATTEMPTS_EXHAUSTED,
        )
    questions = await questions_of(session, quiz_id)
    if not questions:
        raise Invalid(
            "quiz_id", "This quiz has no questions yet", AssessmentsCode.QUIZ_HAS_NO_QUESTIONS
        )
    order, option_order = _orders(quiz, questions)
    attempt = QuizAttempt(
        quiz_id=quiz_id,
        student_id=student_id,
        enrollment_id=enrollment.id,
        attempt_number=used + 1,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline_at=_deadline(quiz, now),
        question_order=order,
        option_order=option_order,
    )
    await db.add(session, attempt)
    record_event(
        EventType.QUIZ_STARTED,
        user_id=student_id,
        course_id=enrollment.course_id,
        entity_type=EntityType.QUIZ,
        entity_id=quiz_id,
        properties={"attempt_id": str(attempt.id)},
        occurred_at=now,
        session=session,
    )
    return attempt


async def attempt_of_student(
    session: AsyncSession, student_id: uuid.UUID, attempt_id: uuid.UUID
) -> QuizAttempt:
    """The student's own attempt, row-locked; NOT_FOUND for anyone else's."""
    attempt = await repo.lock_attempt(session, attempt_id)
    if attempt is None or attempt.student_id != student_id:
        raise NotFound("Quiz attempt")
    return attempt


def expired(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


async def save_quiz_answer(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    answer: Answer,
) -> QuizAttempt:
    """Stores (or replaces) the answer to one question of an attempt still in progress; returns
    the attempt."""
    attempt = await attempt_of_student(session, student_id, attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Invalid(
            "attempt_id", "This attempt is already submitted", AssessmentsCode.ATTEMPT_CLOSED
        )
    if expired(attempt, utcnow()):
        raise Invalid(
            "attempt_id", "The time for this attempt is up", AssessmentsCode.ATTEMPT_EXPIRED
        )
    question = (await repo.questions_by_ids(session, [question_id]))[0]
    if (
        question is None
        or question.quiz_id != attempt.quiz_id
        or str(question_id) not in attempt.question_order
    ):
        raise Invalid(
            "question_id", "Not a question of this attempt", AssessmentsCode.QUESTION_NOT_IN_QUIZ
        )
    stored = check_answer(
        QuestionType(question.type), question.options, question.correct_answer, answer
    )
    row = await repo.answer_to(session, attempt_id, question_id)
    if row is None:
        row = QuizAnswer(attempt_id=attempt_id, question_id=question_id, answer=stored)
        await db.add(session, row)
    else:
        row.answer = stored
        await db.save(session, row)
    return attempt


async def submit_quiz_attempt(
    session: AsyncSession, *, student_id: uuid.UUID, attempt_id: uuid.UUID
) -> QuizAttempt:
    """Grades the attempt once; submitting a finished attempt again returns it unchanged."""
    attempt = await attempt_of_student(session, student_id, attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    quiz = await get_quiz(session, attempt.quiz_id)
    if quiz is None:
        raise NotFound("Quiz")
    await grading.finish(session, quiz, attempt, now=utcnow())
    return attempt
