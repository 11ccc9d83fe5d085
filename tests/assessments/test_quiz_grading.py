"""Grading: auto-grading (Property 32), pending review (Property 33), manual grading with a
notification (Property 34), the server-side time limit, grading once, lesson progress."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts.models import UserRole
from app.assessments import grading
from app.assessments import quiz_shapes as shapes
from app.assessments.grading import AnswerGrade
from app.assessments.models import (
    AttemptStatus,
    GradingStatus,
    QuestionType,
    QuizAnswer,
    QuizAttempt,
)
from app.clock import utcnow
from app.errors import Forbidden, UserFacingError
from app.learning.models import LessonProgress, ProgressStatus
from app.notifications.models import Notification, NotificationType
from app.security.permissions import Actor
from tests.support import accounts as accounts
from tests.support.catalog import gid, token_for
from tests.support.quizzes import (
    OBJECTIVE_TYPES,
    add,
    make_quiz,
    objective_quiz,
    quiz_course,
    right,
    save,
    start,
    student,
    submit,
    wrong,
)

pytestmark = pytest.mark.usefixtures("database")


async def _progress(database, lesson_id) -> LessonProgress | None:
    async with database.session() as session:
        return (
            await session.scalars(
                select(LessonProgress).where(LessonProgress.lesson_id == lesson_id)
            )
        ).one_or_none()


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    points=st.lists(st.integers(1, 20), min_size=4, max_size=4),
    correct=st.lists(st.sampled_from(["right", "wrong", "none"]), min_size=4, max_size=4),
)
async def test_property_32_score_is_points_of_correct_answers_over_total(
    database, points, correct
) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup, passing_score_percentage=50)
    questions = [
        await add(database, setup, quiz, kind, points=p)
        for kind, p in zip(OBJECTIVE_TYPES, points, strict=True)
    ]
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    for question, choice in zip(questions, correct, strict=True):
        if choice != "none":
            answer = right(question) if choice == "right" else wrong(question)
            await save(database, learner, attempt.id, question, answer)
    graded = await submit(database, learner, attempt.id)
    earned = sum(p for p, c in zip(points, correct, strict=True) if c == "right")
    expected = (Decimal(earned) * 100 / sum(points)).quantize(Decimal("0.01"))
    assert graded.grading_status == GradingStatus.AUTO_GRADED
    assert graded.status == AttemptStatus.SUBMITTED
    assert (graded.points_earned, graded.points_possible) == (earned, sum(points))
    assert graded.score_percentage == expected
    assert graded.is_passed == (expected >= 50)


@pytest.mark.parametrize("kind", [QuestionType.ESSAY, QuestionType.SHORT_ANSWER])
async def test_property_33_essay_or_short_answer_puts_the_attempt_in_review(database, kind) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup)
    subjective = await add(database, setup, quiz, kind)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, subjective, right(subjective))
    await save(database, learner, attempt.id, questions[0], right(questions[0]))
    done = await submit(database, learner, attempt.id)
    assert done.grading_status == GradingStatus.PENDING_REVIEW
    assert (done.score_percentage, done.is_passed) == (None, None)
    progress = await _progress(database, setup.lesson.id)
    assert progress is not None
    assert progress.status != ProgressStatus.COMPLETED


async def test_property_34_a_teacher_grades_and_the_student_is_notified(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup, passing_score_percentage=60)
    choice = await add(database, setup, quiz, QuestionType.TRUE_FALSE, points=2)
    essay = await add(database, setup, quiz, QuestionType.ESSAY, points=8)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, choice, right(choice))
    await save(database, learner, attempt.id, essay, shapes.TextAnswer("Long thoughts"))
    await submit(database, learner, attempt.id)
    async with database.transaction() as session:
        graded = await grading.grade_quiz_attempt(
            session,
            actor=setup.actor,
            attempt_id=attempt.id,
            answers=[AnswerGrade(essay.id, Decimal("5.5"), "Good start")],
            feedback="Well done",
        )
    assert graded.grading_status == GradingStatus.GRADED
    assert graded.score_percentage == Decimal("75.00")  # (2 + 5.5) / 10
    assert graded.is_passed is True
    assert graded.feedback == "Well done"
    async with database.session() as session:
        notes = (
            await session.scalars(
                select(Notification).where(Notification.type == NotificationType.GRADE_POSTED)
            )
        ).all()
        essay_answer = (
            await session.scalars(select(QuizAnswer).where(QuizAnswer.question_id == essay.id))
        ).one()
    assert [(n.recipient_id, n.type) for n in notes] == [
        (learner.id, NotificationType.GRADE_POSTED)
    ]
    assert (essay_answer.points_awarded, essay_answer.feedback) == (Decimal("5.5"), "Good start")
    progress = await _progress(database, setup.lesson.id)
    assert progress is not None
    assert progress.status == ProgressStatus.COMPLETED


async def _pending(database):
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    essay = await add(database, setup, quiz, QuestionType.ESSAY, points=4)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, essay, shapes.TextAnswer("Essay"))
    await submit(database, learner, attempt.id)
    return setup, essay, learner, attempt


async def test_students_and_other_instructors_cannot_grade(database) -> None:
    _, essay, learner, attempt = await _pending(database)
    from tests.support.catalog import person

    for who in (Actor.of(learner), Actor.of(await person(database, UserRole.INSTRUCTOR))):
        async with database.transaction() as session:
            with pytest.raises(Forbidden):
                await grading.grade_quiz_attempt(
                    session,
                    actor=who,
                    attempt_id=attempt.id,
                    answers=[AnswerGrade(essay.id, Decimal(4))],
                )
    async with database.session() as session:
        row = await session.get(QuizAttempt, attempt.id)
    assert row is not None
    assert row.grading_status == GradingStatus.PENDING_REVIEW


async def test_grades_beyond_the_question_points_or_missing_are_refused(database) -> None:
    setup, essay, _, attempt = await _pending(database)
    for answers, problem in (
        ([AnswerGrade(essay.id, Decimal(5))], ("answers[0].points_awarded", "OUT_OF_RANGE")),
        ([], ("answers", "UNGRADED")),
    ):
        async with database.transaction() as session:
            with pytest.raises(UserFacingError) as raised:
                await grading.grade_quiz_attempt(
                    session, actor=setup.actor, attempt_id=attempt.id, answers=answers
                )
        assert [(e.field, e.code) for e in raised.value.errors] == [problem]


async def test_submitting_after_the_deadline_grades_only_answers_saved_in_time(database) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup, time_limit_minutes=5)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, questions[0], right(questions[0]))
    await save(database, learner, attempt.id, questions[1], right(questions[1]))
    deadline = utcnow() - timedelta(seconds=1)
    async with database.transaction() as session:  # the first answer came in time, not the second
        await session.execute(
            update(QuizAnswer)
            .where(QuizAnswer.question_id == questions[0].id)
            .values(updated_at=deadline - timedelta(minutes=1))
        )
        await session.execute(
            update(QuizAttempt).where(QuizAttempt.id == attempt.id).values(deadline_at=deadline)
        )
    done = await submit(database, learner, attempt.id)
    assert done.status == AttemptStatus.EXPIRED
    assert (done.points_earned, done.points_possible) == (1, 4)
    assert done.score_percentage == Decimal("25.00")


async def test_two_concurrent_submissions_grade_once(database, monkeypatch) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    for question in questions:
        await save(database, learner, attempt.id, question, right(question))
    calls = []
    original = grading.learning.record_assessment_result

    async def counting(session, **kwargs):
        calls.append(kwargs)
        await original(session, **kwargs)

    monkeypatch.setattr(grading.learning, "record_assessment_result", counting)
    results = await asyncio.gather(*(submit(database, learner, attempt.id) for _ in range(3)))
    assert {r.score_percentage for r in results} == {Decimal("100.00")}
    assert len(calls) == 1
    progress = await _progress(database, setup.lesson.id)
    assert progress is not None
    assert (progress.attempts_count, progress.status) == (1, ProgressStatus.COMPLETED)


REVIEW = (
    "attempt { scorePercentage questions { isCorrect explanation "
    "correctAnswer { ... on MultipleChoiceKey { correct } } } }"
)


@pytest.mark.parametrize("shown", [True, False])
async def test_answers_and_explanations_are_revealed_after_submission_only_when_configured(
    database, client, shown
) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(
        database, setup, show_correct_answers=shown, show_explanations=shown
    )
    learner = await student(database, setup.course.id)
    token = token_for(client, learner)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, questions[0], right(questions[0]))
    outcome = await client.mutate(
        "submitQuizAttempt", {"attemptId": gid("QuizAttempt", attempt.id)}, REVIEW, token=token
    )
    payload = outcome.payload("submitQuizAttempt")
    assert payload["errors"] == []
    assert payload["attempt"]["scorePercentage"] == 25.0
    first = payload["attempt"]["questions"][0]
    assert first["isCorrect"] is True
    assert first["correctAnswer"] == ({"correct": ["a"]} if shown else None)
    assert (first["explanation"] is not None) is shown


async def test_graphql_grading_reports_problems_at_the_answer_path(database, client) -> None:
    setup, essay, _, attempt = await _pending(database)
    graded = await client.mutate(
        "gradeQuizAttempt",
        {
            "attemptId": gid("QuizAttempt", attempt.id),
            "answers": [{"questionId": gid("QuizQuestion", essay.id), "pointsAwarded": 9}],
        },
        "attempt { id gradingStatus }",
        token=token_for(client, setup.owner),
    )
    payload = graded.payload("gradeQuizAttempt")
    assert payload["attempt"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("answers[0].pointsAwarded", "OUT_OF_RANGE")
    ]
    done = await client.mutate(
        "gradeQuizAttempt",
        {
            "attemptId": gid("QuizAttempt", attempt.id),
            "answers": [{"questionId": gid("QuizQuestion", essay.id), "pointsAwarded": 3}],
            "feedback": "Fine",
        },
        "attempt { gradingStatus scorePercentage questions { pointsAwarded "
        "answer { ... on TextAnswer { text } } } }",
        token=token_for(client, setup.owner),
    )
    assert done.payload("gradeQuizAttempt")["attempt"] == {
        "gradingStatus": "GRADED",
        "scorePercentage": 75.0,
        "questions": [{"pointsAwarded": 3.0, "answer": {"text": "Essay"}}],
    }
