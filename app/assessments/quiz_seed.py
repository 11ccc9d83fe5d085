"""Demo data: a quiz lesson with a three-question objective quiz (pass at 70%) at the end of the
free demo course "Python for Absolute Beginners". Authored through the services as its
instructor, so it is valid by construction; skipped when the course is missing or its demo quiz
exists (idempotent)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.accounts.service import get_user
from app.assessments import quizzes, repo
from app.assessments.quiz_shapes import (
    Blank,
    FillBlank,
    MultipleChoice,
    Option,
    QuestionConfig,
    TrueFalse,
)
from app.catalog.models import LessonType
from app.security.permissions import Actor

DEMO_COURSE_SLUG = "python-for-absolute-beginners"
QUIZ_LESSON_TITLE = "Check your Python basics"
QUIZ_TITLE = "Python basics"

# (question, configuration with its answer key, explanation)
QUESTIONS: tuple[tuple[str, QuestionConfig, str], ...] = (
    (
        "Which function shows text on the screen?",
        MultipleChoice(
            options=[Option("a", "print()"), Option("b", "show()"), Option("c", "echo()")],
            correct=["a"],
        ),
        "print() writes its arguments to the standard output.",
    ),
    (
        "A Python list can hold values of different types.",
        TrueFalse(correct=True),
        "Lists may mix numbers, strings and any other objects.",
    ),
    (
        "Complete the keyword that defines a function: ___ greet(name):",
        FillBlank(blanks=[Blank(accepted=["def"])]),
        "Functions are defined with the def keyword.",
    ),
)


async def _seeded(session: AsyncSession, course_id: object) -> bool:
    """Whether a quiz of this title sits on a lesson of the course already."""
    for lesson_id in await repo.quiz_lesson_ids_titled(session, QUIZ_TITLE):
        lesson = await catalog.get_lesson(session, lesson_id)
        if lesson is not None and lesson.course_id == course_id:
            return True
    return False


async def seed_demo_quiz(session: AsyncSession) -> int:
    """Returns 1 when the quiz lesson was created, 0 when skipped."""
    course = (await catalog.courses_by_slugs(session, [DEMO_COURSE_SLUG]))[0]
    if course is None or await _seeded(session, course.id):
        return 0
    owner = await get_user(session, course.instructor_id)
    modules = await catalog.modules_of_course(session, course.id)
    if owner is None or not modules:
        return 0
    actor = Actor.of(owner)
    lesson = await catalog.add_lesson(
        session,
        actor=actor,
        module_id=modules[-1].id,
        type=LessonType.QUIZ,
        title=QUIZ_LESSON_TITLE,
        duration_minutes=5,
    )
    quiz = await quizzes.create_quiz(
        session,
        actor=actor,
        lesson_id=lesson.id,
        title=QUIZ_TITLE,
        description="Three quick questions on what you learned.",
        passing_score_percentage=70,
        show_correct_answers=True,
        show_explanations=True,
    )
    for text, config, explanation in QUESTIONS:
        await quizzes.add_question(
            session,
            actor=actor,
            quiz_id=quiz.id,
            text=text,
            config=config,
            explanation=explanation,
        )
    return 1
