"""Grading quiz attempts: automatically on submission, by a teacher when review is needed.

- `finish` closes an attempt (submitted, or expired when its deadline has passed) and grades it
  with the answers saved in time (an answer saved after the deadline is discarded). Objective
  questions are scored all or nothing, and score = points of correct answers / points of the
  attempt's questions (Property 32). When the attempt has an essay or short-answer question it
  waits for a teacher (grading status pending_review, no score yet — Property 33); a short answer
  matching an accepted answer is flagged correct as a hint for the teacher.
- `grade_quiz_attempt`: the course's teachers or admins award points (0..question points) and
  feedback for a pending attempt, giving the final score and grading status graded; the student
  gets a GRADE_POSTED notification (Property 34).
Once an attempt has its score, the quiz lesson's progress is updated through
`app.learning.service.record_assessment_result` with the score that counts under the quiz's
policy (best of the graded attempts, or the last one) and whether it reaches the passing score.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.analytics import EntityType, EventType, record_event
from app.assessments import repo
from app.assessments.coursework import course_of, require_teacher
from app.assessments.errors import AssessmentsCode
from app.assessments.models import (
    AttemptStatus,
    GradingStatus,
    Question,
    QuestionType,
    Quiz,
    QuizAnswer,
    QuizAttempt,
    ScorePolicy,
)
from app.assessments.quiz_shapes import SUBJECTIVE, is_correct, percentage, points_for
from app.assessments.quizzes import get_quiz, quiz_course_id
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, Invalid, NotFound, collect
from app.learning import service as learning
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor


@dataclass(frozen=True)
class AnswerGrade:
    question_id: uuid.UUID
    points_awarded: Decimal
    feedback: str | None = None


async def _questions(session: AsyncSession, attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions that still exist, in the attempt's order."""
    ids = [uuid.UUID(i) for i in attempt.question_order]
    return [q for q in await repo.questions_by_ids(session, ids) if q is not None]


async def _answers(session: AsyncSession, attempt_id: uuid.UUID) -> dict[uuid.UUID, QuizAnswer]:
    rows = (await repo.answers_by_attempt_ids(session, [attempt_id]))[0]
    return {a.question_id: a for a in rows}


async def finish(session: AsyncSession, quiz: Quiz, attempt: QuizAttempt, *, now: datetime) -> None:
    """Close and grade an in-progress attempt (the caller holds its row lock)."""
    deadline = attempt.deadline_at
    late = deadline is not None and now >= deadline
    questions = await _questions(session, attempt)
    answers = await _answers(session, attempt.id)
    for question_id, late_answer in list(answers.items()):
        if deadline is not None and late_answer.updated_at > deadline:
            await db.delete_row(session, late_answer)
            del answers[question_id]
    earned = Decimal(0)
    for question in questions:
        answer = answers.get(question.id)
        if answer is None:
            continue
        kind = QuestionType(question.type)
        answer.is_correct = is_correct(kind, question.correct_answer, answer.answer)
        answer.points_awarded = points_for(
            kind, question.correct_answer, answer.answer, question.points
        )
        earned += answer.points_awarded or 0
    ended = min(now, deadline) if deadline is not None else now
    attempt.status = AttemptStatus.EXPIRED if late else AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.time_taken_seconds = max(0, int((ended - attempt.started_at).total_seconds()))
    attempt.points_possible = sum(q.points for q in questions)
    attempt.points_earned = earned
    if any(QuestionType(q.type) in SUBJECTIVE for q in questions):
        attempt.grading_status = GradingStatus.PENDING_REVIEW
        await db.save(session, attempt, *answers.values())
    else:
        attempt.grading_status = GradingStatus.AUTO_GRADED
        attempt.score_percentage = percentage(earned, attempt.points_possible)
        attempt.is_passed = attempt.score_percentage >= quiz.passing_score_percentage
        attempt.graded_at = now
        await db.save(session, attempt, *answers.values())
        await record_result(session, quiz, attempt)
    await _record_submitted(session, quiz, attempt)


async def _record_submitted(session: AsyncSession, quiz: Quiz, attempt: QuizAttempt) -> None:
    """quiz.submitted once the transaction commits; score and passed are null while the attempt
    waits for a teacher."""
    score = attempt.score_percentage
    record_event(
        EventType.QUIZ_SUBMITTED,
        user_id=attempt.student_id,
        course_id=await quiz_course_id(session, quiz),
        entity_type=EntityType.QUIZ,
        entity_id=quiz.id,
        properties={
            "attempt_id": str(attempt.id),
            "score": float(score) if score is not None else None,
            "passed": attempt.is_passed,
            "duration_seconds": attempt.time_taken_seconds,
        },
        occurred_at=attempt.submitted_at,
        session=session,
    )


async def record_result(session: AsyncSession, quiz: Quiz, attempt: QuizAttempt) -> None:
    """Tell the learning domain the score that counts for the quiz lesson."""
    score = attempt.score_percentage
    if quiz.score_policy == ScorePolicy.BEST:
        score = await repo.best_score(session, quiz.id, attempt.student_id)
    passed = score is not None and score >= quiz.passing_score_percentage
    await learning.record_assessment_result(
        session,
        enrollment_id=attempt.enrollment_id,
        lesson_id=quiz.lesson_id,
        score_percentage=score,
        passed=passed,
    )


async def _attempt_for_grader(
    session: AsyncSession, actor: Actor, attempt_id: uuid.UUID
) -> tuple[QuizAttempt, Quiz]:
    attempt = await repo.lock_attempt(session, attempt_id)
    quiz = await get_quiz(session, attempt.quiz_id) if attempt is not None else None
    if attempt is None or quiz is None:
        raise NotFound("Quiz attempt")
    course = await course_of(session, await quiz_course_id(session, quiz))
    await require_teacher(session, actor, course, grading=True)
    return attempt, quiz


def _check_grades(
    grades: Sequence[AnswerGrade],
    questions: dict[uuid.UUID, Question],
    answers: dict[uuid.UUID, QuizAnswer],
) -> None:
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for i, grade in enumerate(grades):
        field = f"answers[{i}]"
        question = questions.get(grade.question_id)
        if question is None:
            errors.append(
                FieldError(
                    f"{field}.question_id",
                    "Not a question of this attempt",
                    AssessmentsCode.QUESTION_NOT_IN_QUIZ,
                )
            )
        elif grade.question_id in seen:
            errors.append(
                FieldError(
                    f"{field}.question_id", "Grade each question once", AssessmentsCode.DUPLICATE
                )
            )
        elif grade.question_id not in answers:
            errors.append(
                FieldError(
                    f"{field}.question_id",
                    "This question was not answered",
                    AssessmentsCode.NOT_ANSWERED,
                )
            )
        elif not 0 <= grade.points_awarded <= question.points:
            errors.append(
                FieldError(
                    f"{field}.points_awarded",
                    f"Between 0 and {question.points}",
                    Common.OUT_OF_RANGE,
                )
            )
        elif grade.feedback is not None and len(grade.feedback) > 5000:
            errors.append(
                FieldError(f"{field}.feedback", "At most 5000 characters", Common.TOO_LONG)
            )
        seen.add(grade.question_id)
    if any(
        QuestionType(q.type) in SUBJECTIVE and q.id in answers and q.id not in seen
        for q in questions.values()
    ):
        errors.append(
            FieldError(
                "answers", "Grade every answered essay and short answer", AssessmentsCode.UNGRADED
            )
        )
    collect(errors)


async def grade_quiz_attempt(
    session: AsyncSession,
    *,
    actor: Actor,
    attempt_id: uuid.UUID,
    answers: Sequence[AnswerGrade],
    feedback: str | None = None,
) -> QuizAttempt:
    """Final points for an attempt pending review (objective answers may be overridden too)."""
    attempt, quiz = await _attempt_for_grader(session, actor, attempt_id)
    if attempt.grading_status != GradingStatus.PENDING_REVIEW:
        raise Conflict(
            "attempt_id",
            "This attempt is not waiting for review",
            AssessmentsCode.NOT_PENDING_REVIEW,
        )
    if feedback is not None and len(feedback) > 10000:
        raise Invalid("feedback", "At most 10000 characters", Common.TOO_LONG)
    questions = {q.id: q for q in await _questions(session, attempt)}
    saved = await _answers(session, attempt.id)
    _check_grades(answers, questions, saved)
    for grade in answers:
        row = saved[grade.question_id]
        row.points_awarded = grade.points_awarded
        row.is_correct = grade.points_awarded == questions[grade.question_id].points
        row.feedback = grade.feedback
    now = utcnow()
    earned = sum((a.points_awarded or Decimal(0) for a in saved.values()), Decimal(0))
    attempt.points_earned = earned
    attempt.score_percentage = percentage(earned, attempt.points_possible or 0)
    attempt.is_passed = attempt.score_percentage >= quiz.passing_score_percentage
    attempt.grading_status = GradingStatus.GRADED
    attempt.graded_at = now
    attempt.graded_by_id = actor.id
    attempt.feedback = feedback
    await db.save(session, attempt, *saved.values())
    await notify(
        session,
        recipient_id=attempt.student_id,
        type=NotificationType.GRADE_POSTED,
        title=f"Your quiz “{quiz.title}” was graded",
        body=f"You scored {attempt.score_percentage}%"
        + (" and passed." if attempt.is_passed else "."),
        category=NotificationCategory.COURSE,
        metadata={"quiz_id": str(quiz.id), "quiz_attempt_id": str(attempt.id)},
    )
    await record_result(session, quiz, attempt)
    return attempt
