"""Helpers of the quiz tests: a published course with a quiz lesson, enrolled students, quizzes
with one question of every type, and GraphQL fragments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.assessments import attempts, quizzes
from app.assessments import quiz_shapes as shapes
from app.assessments.models import (
    AttemptStatus,
    GradingStatus,
    Question,
    QuestionType,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)
from app.catalog.models import Course, CourseInstructor, CourseModule, Lesson, LessonType
from app.db import Database
from app.ids import new_id
from app.learning import service as learning
from app.learning.models import Enrollment, EnrollmentSource
from app.security.permissions import Actor
from tests.support.catalog import build_course, gid, person

# One valid question of every type (Property 29): (configuration, right answer, wrong answer).
QUESTIONS: dict[QuestionType, tuple[shapes.QuestionConfig, shapes.Answer, shapes.Answer]] = {
    QuestionType.MULTIPLE_CHOICE: (
        shapes.MultipleChoice(
            options=[
                shapes.Option("a", "print"),
                shapes.Option("b", "echo"),
                shapes.Option("c", "say"),
            ],
            correct=["a"],
        ),
        shapes.ChoiceAnswer(["a"]),
        shapes.ChoiceAnswer(["b"]),
    ),
    QuestionType.TRUE_FALSE: (
        shapes.TrueFalse(correct=True),
        shapes.BooleanAnswer(True),
        shapes.BooleanAnswer(False),
    ),
    QuestionType.SHORT_ANSWER: (
        shapes.ShortAnswer(accepted_answers=["Guido van Rossum"]),
        shapes.TextAnswer("guido  van rossum"),
        shapes.TextAnswer("Linus"),
    ),
    QuestionType.ESSAY: (shapes.Essay(), shapes.TextAnswer("Because..."), shapes.TextAnswer("")),
    QuestionType.FILL_BLANK: (
        shapes.FillBlank(
            blanks=[shapes.Blank(["def"]), shapes.Blank(["return", "yield"])],
        ),
        shapes.BlanksAnswer(["DEF", " return"]),
        shapes.BlanksAnswer(["def", "print"]),
    ),
    QuestionType.MATCHING: (
        shapes.Matching(
            left=[shapes.Option("l1", "int"), shapes.Option("l2", "str")],
            right=[shapes.Option("r1", "42"), shapes.Option("r2", "'hi'")],
            pairs=[shapes.Pair("l1", "r1"), shapes.Pair("l2", "r2")],
        ),
        shapes.PairsAnswer([shapes.Pair("l1", "r1"), shapes.Pair("l2", "r2")]),
        shapes.PairsAnswer([shapes.Pair("l1", "r2"), shapes.Pair("l2", "r1")]),
    ),
}
# The same, as GraphQL input values (`QuestionConfigInput`, `QuizAnswerInput`).
CONFIG_INPUTS: dict[QuestionType, dict[str, Any]] = {
    QuestionType.MULTIPLE_CHOICE: {
        "multipleChoice": {
            "options": [
                {"id": "a", "text": "print"},
                {"id": "b", "text": "echo"},
                {"id": "c", "text": "say"},
            ],
            "correct": ["a"],
        }
    },
    QuestionType.TRUE_FALSE: {"trueFalse": {"correct": True}},
    QuestionType.SHORT_ANSWER: {"shortAnswer": {"acceptedAnswers": ["Guido van Rossum"]}},
    QuestionType.ESSAY: {"essay": True},
    QuestionType.FILL_BLANK: {
        "fillBlank": {"blanks": [{"accepted": ["def"]}, {"accepted": ["return", "yield"]}]}
    },
    QuestionType.MATCHING: {
        "matching": {
            "left": [{"id": "l1", "text": "int"}, {"id": "l2", "text": "str"}],
            "right": [{"id": "r1", "text": "42"}, {"id": "r2", "text": "'hi'"}],
            "pairs": [{"left": "l1", "right": "r1"}, {"left": "l2", "right": "r2"}],
        }
    },
}
RIGHT_INPUTS: dict[QuestionType, dict[str, Any]] = {
    QuestionType.MULTIPLE_CHOICE: {"choice": ["a"]},
    QuestionType.TRUE_FALSE: {"boolean": True},
    QuestionType.SHORT_ANSWER: {"text": "guido  van rossum"},
    QuestionType.ESSAY: {"text": "Because..."},
    QuestionType.FILL_BLANK: {"blanks": ["DEF", " return"]},
    QuestionType.MATCHING: {
        "pairs": [{"left": "l1", "right": "r1"}, {"left": "l2", "right": "r2"}]
    },
}
OBJECTIVE_TYPES = [
    QuestionType.MULTIPLE_CHOICE,
    QuestionType.TRUE_FALSE,
    QuestionType.FILL_BLANK,
    QuestionType.MATCHING,
]


@dataclass
class Setup:
    owner: User
    course: Course
    lesson: Lesson

    @property
    def actor(self) -> Actor:
        return Actor.of(self.owner)


async def quiz_course(database: Database) -> Setup:
    """A published free course (2 text lessons) with a quiz lesson in its first module."""
    owner = await person(database, UserRole.INSTRUCTOR)
    async with database.transaction() as session:
        course = build_course(session, owner.id, modules=1, lessons=2, tiers=())
        await session.flush()
        module_id = await session.scalar(
            select(CourseModule.id).where(CourseModule.course_id == course.id)
        )
        lesson = Lesson(
            id=new_id(),
            module_id=module_id,
            course_id=course.id,
            type=LessonType.QUIZ,
            title="Check yourself",
            order_number=3,
        )
        session.add(lesson)
    return Setup(owner, course, lesson)


async def co_instructor(database: Database, course_id: uuid.UUID) -> User:
    helper = await person(database, UserRole.INSTRUCTOR)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=course_id, user_id=helper.id))
    return helper


async def student(database: Database, course_id: uuid.UUID | None = None) -> User:
    """A student, enrolled in `course_id` when given."""
    someone = await person(database, UserRole.STUDENT)
    if course_id is not None:
        await enroll(database, someone.id, course_id)
    return someone


async def enroll(database: Database, student_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment:
    async with database.transaction() as session:
        return await learning.enroll_student(
            session, student_id=student_id, course_id=course_id, source=EnrollmentSource.FREE
        )


async def make_quiz(database: Database, setup: Setup, **config: Any) -> Quiz:
    async with database.transaction() as session:
        return await quizzes.create_quiz(
            session, actor=setup.actor, lesson_id=setup.lesson.id, title="Basics", **config
        )


async def add(
    database: Database, setup: Setup, quiz: Quiz, kind: QuestionType, points: int = 1
) -> Question:
    config = QUESTIONS[kind][0]
    async with database.transaction() as session:
        return await quizzes.add_question(
            session,
            actor=setup.actor,
            quiz_id=quiz.id,
            text=f"A {kind} question?",
            points=points,
            config=config,
            explanation=f"Why {kind}",
        )


async def objective_quiz(
    database: Database, setup: Setup, **config: Any
) -> tuple[Quiz, list[Question]]:
    quiz = await make_quiz(database, setup, **config)
    return quiz, [await add(database, setup, quiz, kind) for kind in OBJECTIVE_TYPES]


async def start(database: Database, who: User, quiz: Quiz) -> Any:
    async with database.transaction() as session:
        return await attempts.start_quiz_attempt(session, student_id=who.id, quiz_id=quiz.id)


async def save(
    database: Database,
    who: User,
    attempt_id: uuid.UUID,
    question: Question,
    answer: shapes.Answer,
) -> Any:
    async with database.transaction() as session:
        return await attempts.save_quiz_answer(
            session,
            student_id=who.id,
            attempt_id=attempt_id,
            question_id=question.id,
            answer=answer,
        )


async def submit(database: Database, who: User, attempt_id: uuid.UUID) -> Any:
    async with database.transaction() as session:
        return await attempts.submit_quiz_attempt(session, student_id=who.id, attempt_id=attempt_id)


def right(question: Question) -> shapes.Answer:
    return QUESTIONS[QuestionType(question.type)][1]


def wrong(question: Question) -> shapes.Answer:
    return QUESTIONS[QuestionType(question.type)][2]


__all__ = ["gid"]


def _question_rows(quiz_id: uuid.UUID) -> list[Question]:
    """One question of every type (stored form of QUESTIONS)."""
    rows = []
    for number, (kind, (config, _, _)) in enumerate(QUESTIONS.items(), start=1):
        key = shapes.check_config(config)
        rows.append(
            Question(
                id=new_id(),
                quiz_id=quiz_id,
                type=kind,
                text=f"A {kind} question?",
                options=key.options,
                correct_answer=key.correct_answer,
                explanation=f"Why {kind}",
                order_number=number,
            )
        )
    return rows


async def many_quizzes(database: Database, setup: Setup, count: int) -> list[Quiz]:
    """`count` quizzes on the setup's quiz lesson, each with one question of every type (plain
    inserts, for statement budgets)."""
    async with database.transaction() as session:
        made = [
            Quiz(id=new_id(), lesson_id=setup.lesson.id, title=f"Quiz {i}") for i in range(count)
        ]
        session.add_all(made)
        await session.flush()
        session.add_all(q for quiz in made for q in _question_rows(quiz.id))
    return made


async def answered_attempts(
    database: Database, quiz: Quiz, students: list[tuple[User, int]]
) -> list[QuizAttempt]:
    """Per (student, number of attempts): submitted, auto-graded attempts answering every question
    right (plain inserts)."""
    async with database.transaction() as session:
        questions = await quizzes.questions_of(session, quiz.id)
        enrollments = dict(
            (
                await session.execute(
                    select(Enrollment.student_id, Enrollment.id).where(
                        Enrollment.student_id.in_([s.id for s, _ in students])
                    )
                )
            ).all()
        )
        made = [
            QuizAttempt(
                id=new_id(),
                quiz_id=quiz.id,
                student_id=who.id,
                enrollment_id=enrollments[who.id],
                attempt_number=number,
                status=AttemptStatus.SUBMITTED,
                grading_status=GradingStatus.AUTO_GRADED,
                question_order=[str(q.id) for q in questions],
                option_order={},
            )
            for who, times in students
            for number in range(1, times + 1)
        ]
        session.add_all(made)
        await session.flush()
        session.add_all(
            QuizAnswer(
                attempt_id=attempt.id,
                question_id=q.id,
                answer=shapes.check_answer(
                    QuestionType(q.type), q.options, q.correct_answer, right(q)
                ),
            )
            for attempt in made
            for q in questions
        )
    return made
