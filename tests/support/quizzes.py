"""Helpers of the quiz tests: a published course with a quiz lesson, enrolled students, quizzes
with one question of every type, and GraphQL fragments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.assessments import attempts, quizzes
from app.assessments.models import Question, QuestionType, Quiz
from app.catalog.models import Course, CourseInstructor, CourseModule, Lesson, LessonType
from app.db import Database
from app.ids import new_id
from app.learning import service as learning
from app.learning.models import Enrollment, EnrollmentSource
from app.security.permissions import Actor
from tests.support.catalog import build_course, gid, person

# One valid question of every type (Property 29): (type, options, correct answer, right answer,
# wrong answer).
QUESTIONS: dict[QuestionType, tuple[Any, Any, Any, Any]] = {
    QuestionType.MULTIPLE_CHOICE: (
        [{"id": "a", "text": "print"}, {"id": "b", "text": "echo"}, {"id": "c", "text": "say"}],
        {"optionIds": ["a"]},
        {"optionIds": ["a"]},
        {"optionIds": ["b"]},
    ),
    QuestionType.TRUE_FALSE: (None, {"value": True}, {"value": True}, {"value": False}),
    QuestionType.SHORT_ANSWER: (
        None,
        {"acceptedAnswers": ["Guido van Rossum"]},
        {"text": "guido  van rossum"},
        {"text": "Linus"},
    ),
    QuestionType.ESSAY: (None, None, {"text": "Because..."}, {"text": ""}),
    QuestionType.FILL_BLANK: (
        None,
        {"blanks": [["def"], ["return", "yield"]]},
        {"blanks": ["DEF", " return"]},
        {"blanks": ["def", "print"]},
    ),
    QuestionType.MATCHING: (
        {
            "left": [{"id": "l1", "text": "int"}, {"id": "l2", "text": "str"}],
            "right": [{"id": "r1", "text": "42"}, {"id": "r2", "text": "'hi'"}],
        },
        {"pairs": {"l1": "r1", "l2": "r2"}},
        {"pairs": {"l1": "r1", "l2": "r2"}},
        {"pairs": {"l1": "r2", "l2": "r1"}},
    ),
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
    options, key, _, _ = QUESTIONS[kind]
    async with database.transaction() as session:
        return await quizzes.add_question(
            session,
            actor=setup.actor,
            quiz_id=quiz.id,
            type=kind,
            text=f"A {kind} question?",
            points=points,
            options=options,
            correct_answer=key,
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
    database: Database, who: User, attempt_id: uuid.UUID, question: Question, answer: Any
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


def right(question: Question) -> Any:
    return QUESTIONS[QuestionType(question.type)][2]


def wrong(question: Question) -> Any:
    return QUESTIONS[QuestionType(question.type)][3]


__all__ = ["gid"]
