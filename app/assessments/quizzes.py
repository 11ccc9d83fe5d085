"""Quiz authoring: one quiz per quiz lesson, its configuration and its questions.

Only the course's teachers (the owner, co-instructors) and admins author; the course row is
locked first so concurrent edits of one course's quizzes run one at a time. Questions keep
gapless order numbers 1..n. The question type is fixed once created (answers already saved
depend on it); the answer key is validated against the type (shapes: `quiz_shapes`). Every
configuration option is validated and stored (Property 30); every question type is creatable
(Property 29). Reads for the API layer (`quizzes_by_ids`, `questions_by_quiz_ids`) are here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog, db
from app.assessments.models import Difficulty, Question, QuestionType, Quiz, QuizType, ScorePolicy
from app.assessments.quiz_shapes import answer_key
from app.catalog.models import Course, LessonType
from app.catalog.rules import UNSET, Unset, can_edit, deny, url
from app.catalog.rules import text as checked
from app.errors import Conflict, FieldError, Invalid, NotFound, collect
from app.learning import service as learning
from app.security.permissions import Actor

MAX_QUESTIONS = 200
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_ATTEMPTS_CAP = 100
MAX_POINTS = 1000

# --- permissions and reads -----------------------------------------------------------------------


async def teaches(session: AsyncSession, actor: Actor, course: Course) -> bool:
    """Owner or admin (catalog rule), or a co-instructor of the course."""
    return can_edit(actor, course) or await learning.is_teacher_of(
        session, user_id=actor.id, course_id=course.id
    )


async def course_for_teacher(
    session: AsyncSession, actor: Actor, course_id: uuid.UUID, *, lock: bool = True
) -> Course:
    course = await catalog.get_course(session, course_id, for_update=lock)
    if course is None:
        raise NotFound("Course")
    if not await teaches(session, actor, course):
        raise deny(actor, course)
    return course


async def get_quiz(session: AsyncSession, quiz_id: uuid.UUID) -> Quiz | None:
    return await session.get(Quiz, quiz_id)


async def quiz_course_id(session: AsyncSession, quiz: Quiz) -> uuid.UUID:
    lesson = await catalog.get_lesson(session, quiz.lesson_id)
    if lesson is None:  # removed concurrently (CASCADE removes the quiz too)
        raise NotFound("Quiz")
    return lesson.course_id


async def quiz_for_teacher(session: AsyncSession, actor: Actor, quiz_id: uuid.UUID) -> Quiz:
    """The quiz, its course locked; NOT_FOUND/FORBIDDEN like the course for non-teachers."""
    quiz = await get_quiz(session, quiz_id)
    if quiz is None:
        raise NotFound("Quiz")
    await course_for_teacher(session, actor, await quiz_course_id(session, quiz))
    return quiz


async def questions_of(session: AsyncSession, quiz_id: uuid.UUID) -> list[Question]:
    return list(
        await session.scalars(
            select(Question).where(Question.quiz_id == quiz_id).order_by(Question.order_number)
        )
    )


async def quizzes_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Quiz | None]:
    found = {q.id: q for q in await session.scalars(select(Quiz).where(Quiz.id.in_(ids)))}
    return [found.get(i) for i in ids]


async def quizzes_by_lesson_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Quiz | None]:
    rows = await session.scalars(select(Quiz).where(Quiz.lesson_id.in_(ids)))
    found = {q.lesson_id: q for q in rows}
    return [found.get(i) for i in ids]


async def questions_by_quiz_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[Question]]:
    grouped: dict[uuid.UUID, list[Question]] = {i: [] for i in ids}
    rows = await session.scalars(
        select(Question).where(Question.quiz_id.in_(ids)).order_by(Question.order_number)
    )
    for row in rows:
        grouped[row.quiz_id].append(row)
    return [grouped[i] for i in ids]


# --- configuration -------------------------------------------------------------------------------


def _check_config(errors: list[FieldError], values: dict[str, Any]) -> None:
    limit = values.get("time_limit_minutes")
    if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT_MINUTES:
        errors.append(
            FieldError(
                "timeLimitMinutes",
                f"Between 1 and {MAX_TIME_LIMIT_MINUTES} minutes",
                "OUT_OF_RANGE",
            )
        )
    if not 0 <= values["passing_score_percentage"] <= 100:
        errors.append(FieldError("passingScorePercentage", "Between 0 and 100", "OUT_OF_RANGE"))
    if not 0 <= values["max_attempts"] <= MAX_ATTEMPTS_CAP:
        errors.append(
            FieldError("maxAttempts", f"Between 0 (no cap) and {MAX_ATTEMPTS_CAP}", "OUT_OF_RANGE")
        )
    start: datetime | None = values.get("available_from")
    end: datetime | None = values.get("available_until")
    if start is not None and end is not None and end <= start:
        errors.append(
            FieldError("availableUntil", "Must be after availableFrom", "WINDOW_INVERTED")
        )


CONFIG_FIELDS = (
    "quiz_type",
    "time_limit_minutes",
    "passing_score_percentage",
    "max_attempts",
    "randomize_questions",
    "randomize_options",
    "show_correct_answers",
    "show_explanations",
    "available_from",
    "available_until",
    "score_policy",
)


async def create_quiz(
    session: AsyncSession,
    *,
    actor: Actor,
    lesson_id: uuid.UUID,
    title: str,
    description: str | None = None,
    quiz_type: QuizType = QuizType.FORMATIVE,
    time_limit_minutes: int | None = None,
    passing_score_percentage: int = 70,
    max_attempts: int = 0,
    randomize_questions: bool = False,
    randomize_options: bool = False,
    show_correct_answers: bool = True,
    show_explanations: bool = True,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
    score_policy: ScorePolicy = ScorePolicy.BEST,
) -> Quiz:
    """The quiz of a lesson of type quiz (one per lesson)."""
    lesson = await catalog.get_lesson(session, lesson_id)
    if lesson is None:
        raise NotFound("Lesson")
    await course_for_teacher(session, actor, lesson.course_id)
    if lesson.type != LessonType.QUIZ:
        raise Invalid("lessonId", "Quizzes belong to lessons of type QUIZ", "NOT_A_QUIZ_LESSON")
    if (await quizzes_by_lesson_ids(session, [lesson_id]))[0] is not None:
        raise Conflict("lessonId", "This lesson already has a quiz", "QUIZ_EXISTS")
    values = {k: v for k, v in locals().items() if k in CONFIG_FIELDS}
    errors: list[FieldError] = []
    clean_title = checked(errors, "title", title, max_length=220)
    clean_description = checked(errors, "description", description, max_length=5000, required=False)
    _check_config(errors, values)
    collect(errors)
    quiz = Quiz(lesson_id=lesson_id, title=clean_title, description=clean_description, **values)
    await db.add(session, quiz)
    return quiz


async def update_quiz(
    session: AsyncSession, *, actor: Actor, quiz_id: uuid.UUID, **changes: Any
) -> Quiz:
    """Changes the given fields (title, description and any of CONFIG_FIELDS); UNSET keeps."""
    quiz = await quiz_for_teacher(session, actor, quiz_id)
    changes = {k: v for k, v in changes.items() if not isinstance(v, Unset)}
    unknown = set(changes) - {*CONFIG_FIELDS, "title", "description"}
    if unknown:
        raise TypeError(f"unknown quiz fields {sorted(unknown)}")
    errors: list[FieldError] = []
    if "title" in changes:
        changes["title"] = checked(errors, "title", changes["title"], max_length=220)
    if "description" in changes:
        changes["description"] = checked(
            errors, "description", changes["description"], max_length=5000, required=False
        )
    merged = {k: changes.get(k, getattr(quiz, k)) for k in CONFIG_FIELDS}
    _check_config(errors, merged)
    collect(errors)
    for key, value in changes.items():
        setattr(quiz, key, value)
    await db.save(session, quiz)
    return quiz


# --- questions -----------------------------------------------------------------------------------


def _question_fields(
    errors: list[FieldError], *, question_text: str | None, points: int, media_url: str | None
) -> tuple[str | None, str | None]:
    clean = checked(errors, "text", question_text, max_length=5000)
    if not 1 <= points <= MAX_POINTS:
        errors.append(FieldError("points", f"Between 1 and {MAX_POINTS}", "OUT_OF_RANGE"))
    return clean, url(errors, "mediaUrl", media_url)


async def add_question(
    session: AsyncSession,
    *,
    actor: Actor,
    quiz_id: uuid.UUID,
    type: QuestionType,
    text: str,
    points: int = 1,
    options: Any = None,
    correct_answer: Any = None,
    explanation: str | None = None,
    media_url: str | None = None,
    difficulty: Difficulty = Difficulty.MEDIUM,
) -> Question:
    """Appended with the next order number; the answer key must fit the type."""
    await quiz_for_teacher(session, actor, quiz_id)
    count = await session.scalar(
        select(func.count()).select_from(Question).where(Question.quiz_id == quiz_id)
    )
    errors: list[FieldError] = []
    clean_text, clean_media = _question_fields(
        errors, question_text=text, points=points, media_url=media_url
    )
    clean_explanation = _explanation(errors, explanation)
    key, shape_errors = answer_key(QuestionType(type), options, correct_answer)
    errors += shape_errors
    if (count or 0) >= MAX_QUESTIONS:
        errors.append(FieldError(None, f"At most {MAX_QUESTIONS} questions", "TOO_MANY"))
    collect(errors)
    question = Question(
        quiz_id=quiz_id,
        type=QuestionType(type),
        text=clean_text,
        media_url=clean_media,
        options=key.options,
        correct_answer=key.correct_answer,
        explanation=clean_explanation,
        points=points,
        order_number=(count or 0) + 1,
        difficulty=difficulty,
    )
    await db.add(session, question)
    return question


def _explanation(errors: list[FieldError], value: str | None) -> str | None:
    return checked(errors, "explanation", value, max_length=5000, required=False)


async def _question_for_teacher(
    session: AsyncSession, actor: Actor, question_id: uuid.UUID
) -> Question:
    question = await session.get(Question, question_id)
    if question is None:
        raise NotFound("Question")
    await quiz_for_teacher(session, actor, question.quiz_id)
    return question


async def update_question(
    session: AsyncSession,
    *,
    actor: Actor,
    question_id: uuid.UUID,
    text: str | Unset = UNSET,
    points: int | Unset = UNSET,
    options: Any = UNSET,
    correct_answer: Any = UNSET,
    explanation: str | Unset | None = UNSET,
    media_url: str | Unset | None = UNSET,
    difficulty: Difficulty | Unset = UNSET,
) -> Question:
    """Given fields change; options and key are re-validated together against the type."""
    question = await _question_for_teacher(session, actor, question_id)
    errors: list[FieldError] = []
    clean_text, clean_media = _question_fields(
        errors,
        question_text=question.text if isinstance(text, Unset) else text,
        points=question.points if isinstance(points, Unset) else points,
        media_url=question.media_url if isinstance(media_url, Unset) else media_url,
    )
    clean_explanation = (
        question.explanation
        if isinstance(explanation, Unset)
        else _explanation(errors, explanation)
    )
    key, shape_errors = answer_key(
        QuestionType(question.type),
        question.options if isinstance(options, Unset) else options,
        question.correct_answer if isinstance(correct_answer, Unset) else correct_answer,
    )
    errors += shape_errors
    collect(errors)
    question.text = clean_text  # type: ignore[assignment]
    question.media_url = clean_media
    question.explanation = clean_explanation
    question.options = key.options
    question.correct_answer = key.correct_answer
    if not isinstance(points, Unset):
        question.points = points
    if not isinstance(difficulty, Unset):
        question.difficulty = difficulty
    await db.save(session, question)
    return question


async def delete_question(session: AsyncSession, *, actor: Actor, question_id: uuid.UUID) -> Quiz:
    """Removes the question (and answers saved for it); the rest are renumbered 1..n."""
    question = await _question_for_teacher(session, actor, question_id)
    quiz_id = question.quiz_id
    await db.delete_row(session, question)
    await _renumber(session, await questions_of(session, quiz_id))
    quiz = await get_quiz(session, quiz_id)
    assert quiz is not None  # locked through its course
    return quiz


async def reorder_questions(
    session: AsyncSession, *, actor: Actor, quiz_id: uuid.UUID, question_ids: list[uuid.UUID]
) -> list[Question]:
    """`question_ids` must name every question of the quiz exactly once."""
    await quiz_for_teacher(session, actor, quiz_id)
    current = await questions_of(session, quiz_id)
    by_id = {q.id: q for q in current}
    if len(question_ids) != len(set(question_ids)) or set(question_ids) != set(by_id):
        raise Invalid(
            "questionIds", "List every question of this quiz exactly once", "NOT_A_PERMUTATION"
        )
    ordered = [by_id[i] for i in question_ids]
    await _renumber(session, ordered)
    return ordered


async def _renumber(session: AsyncSession, ordered: Sequence[Question]) -> None:
    for number, row in enumerate(ordered, start=1):
        if row.order_number != number:
            row.order_number = number
    await db.save(session, *ordered)
