"""Demo data: a quiz lesson with a three-question objective quiz (pass at 70%) at the end of the
free demo course "Python for Absolute Beginners". Authored through the services as its
instructor, so it is valid by construction; skipped when the course is missing or already has a
quiz lesson (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.assessments import quizzes
from app.assessments.models import QuestionType
from app.catalog import reads, repo, structure
from app.catalog.models import Lesson, LessonType
from app.security.permissions import Actor

DEMO_COURSE_SLUG = "python-for-absolute-beginners"
QUIZ_LESSON_TITLE = "Check your Python basics"

QUESTIONS = (
    (
        QuestionType.MULTIPLE_CHOICE,
        "Which function shows text on the screen?",
        [
            {"id": "a", "text": "print()"},
            {"id": "b", "text": "show()"},
            {"id": "c", "text": "echo()"},
        ],
        {"optionIds": ["a"]},
        "print() writes its arguments to the standard output.",
    ),
    (
        QuestionType.TRUE_FALSE,
        "A Python list can hold values of different types.",
        None,
        {"value": True},
        "Lists may mix numbers, strings and any other objects.",
    ),
    (
        QuestionType.FILL_BLANK,
        "Complete the keyword that defines a function: ___ greet(name):",
        None,
        {"blanks": [["def"]]},
        "Functions are defined with the def keyword.",
    ),
)


async def seed_demo_quiz(session: AsyncSession) -> int:
    """Returns 1 when the quiz lesson was created, 0 when skipped."""
    course = (await reads.courses_by_slugs(session, [DEMO_COURSE_SLUG]))[0]
    if course is None:
        return 0
    has_quiz = await session.scalar(
        select(Lesson.id).where(Lesson.course_id == course.id, Lesson.type == LessonType.QUIZ)
    )
    if has_quiz is not None:
        return 0
    owner = await session.get(User, course.instructor_id)
    if owner is None:
        return 0
    actor = Actor.of(owner)
    last_module = (await repo.modules_by_course_ids(session, [course.id]))[0][-1]
    lesson = await structure.add_lesson(
        session,
        actor=actor,
        module_id=last_module.id,
        type=LessonType.QUIZ,
        title=QUIZ_LESSON_TITLE,
        duration_minutes=5,
    )
    quiz = await quizzes.create_quiz(
        session,
        actor=actor,
        lesson_id=lesson.id,
        title="Python basics",
        description="Three quick questions on what you learned.",
        passing_score_percentage=70,
        show_correct_answers=True,
        show_explanations=True,
    )
    for kind, text, options, key, explanation in QUESTIONS:
        await quizzes.add_question(
            session,
            actor=actor,
            quiz_id=quiz.id,
            type=kind,
            text=text,
            options=options,
            correct_answer=key,
            explanation=explanation,
        )
    return 1
