"""Quiz authoring: one quiz per quiz lesson, its configuration and its questions.

Only the course's teachers (the owner, co-instructors) and admins author; the course row is
locked first so concurrent edits of one course's quizzes run one at a time. Questions keep
gapless order numbers 1..n. The question type is fixed once created (answers already saved
depend on it) and follows from the configuration given (`quiz_shapes`), which is validated
against it. Every configuration option is validated and stored (Property 30); every question
type is creatable (Property 29).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.assessments import checks, repo
from app.assessments.coursework import lesson_of, teacher_course
from app.assessments.errors import AssessmentsCode
from app.assessments.models import Difficulty, Question, QuestionType, Quiz, QuizType, ScorePolicy
from app.assessments.quiz_shapes import QuestionConfig, StoredKey, check_config
from app.catalog.models import LessonType
from app.errors import Common, Conflict, FieldError, Invalid, NotFound, UserFacingError, collect
from app.security.permissions import Actor

MAX_QUESTIONS = 200
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_ATTEMPTS_CAP = 100
MAX_POINTS = 1000
MAX_TITLE = 220
MAX_LONG_TEXT = 5000

# --- reads ---------------------------------------------------------------------------------------


async def get_quiz(session: AsyncSession, quiz_id: uuid.UUID) -> Quiz | None:
    return await repo.get_quiz(session, quiz_id)


async def quiz_course_id(session: AsyncSession, quiz: Quiz) -> uuid.UUID:
    return (await lesson_of(session, quiz.lesson_id, "Quiz")).course_id


async def quiz_for_teacher(session: AsyncSession, actor: Actor, quiz_id: uuid.UUID) -> Quiz:
    """The quiz, its course locked; NOT_FOUND/FORBIDDEN like the course for non-teachers."""
    quiz = await get_quiz(session, quiz_id)
    if quiz is None:
        raise NotFound("Quiz")
    await teacher_course(session, actor, await quiz_course_id(session, quiz), lock=True)
    return quiz


async def questions_of(session: AsyncSession, quiz_id: uuid.UUID) -> list[Question]:
    return (await repo.questions_by_quiz_ids(session, [quiz_id]))[0]


# --- configuration -------------------------------------------------------------------------------

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


def _check_config(errors: list[FieldError], values: dict[str, Any]) -> None:
    limit = values.get("time_limit_minutes")
    if limit is not None:
        checks.in_range(errors, "time_limit_minutes", limit, 1, MAX_TIME_LIMIT_MINUTES)
    checks.in_range(errors, "passing_score_percentage", values["passing_score_percentage"], 0, 100)
    checks.in_range(errors, "max_attempts", values["max_attempts"], 0, MAX_ATTEMPTS_CAP)
    checks.window(
        errors, values.get("available_from"), values.get("available_until"), "available_until"
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
    values = {k: v for k, v in locals().items() if k in CONFIG_FIELDS}
    lesson = await lesson_of(session, lesson_id)
    await teacher_course(session, actor, lesson.course_id, lock=True)
    if lesson.type != LessonType.QUIZ:
        raise Invalid(
            "lesson_id", "Quizzes belong to quiz lessons", AssessmentsCode.WRONG_LESSON_TYPE
        )
    if (await repo.quizzes_by_lesson_ids(session, [lesson_id]))[0] is not None:
        raise Conflict("lesson_id", "This lesson already has a quiz", AssessmentsCode.QUIZ_EXISTS)
    errors: list[FieldError] = []
    clean_title = checks.text(errors, "title", title, max_length=MAX_TITLE)
    clean_description = checks.text(
        errors, "description", description, max_length=MAX_LONG_TEXT, required=False
    )
    _check_config(errors, values)
    collect(errors)
    quiz = Quiz(lesson_id=lesson_id, title=clean_title, description=clean_description, **values)
    await db.add(session, quiz)
    return quiz


async def update_quiz(
    session: AsyncSession, *, actor: Actor, quiz_id: uuid.UUID, **changes: Any
) -> Quiz:
    """Changes the given fields (title, description and any of CONFIG_FIELDS)."""
    unknown = set(changes) - {*CONFIG_FIELDS, "title", "description"}
    if unknown:
        raise TypeError(f"unknown quiz fields {sorted(unknown)}")
    quiz = await quiz_for_teacher(session, actor, quiz_id)
    errors: list[FieldError] = []
    if "title" in changes:
        changes["title"] = checks.text(errors, "title", changes["title"], max_length=MAX_TITLE)
    if "description" in changes:
        changes["description"] = checks.text(
            errors, "description", changes["description"], max_length=MAX_LONG_TEXT, required=False
        )
    _check_config(errors, {k: changes.get(k, getattr(quiz, k)) for k in CONFIG_FIELDS})
    collect(errors)
    for key, value in changes.items():
        setattr(quiz, key, value)
    await db.save(session, quiz)
    return quiz


# --- questions -----------------------------------------------------------------------------------


def _question_fields(errors: list[FieldError], values: dict[str, Any]) -> dict[str, Any]:
    """The checked text, points, explanation and media link among `values`."""
    clean = dict(values)
    if "text" in values:
        clean["text"] = checks.text(errors, "text", values["text"], max_length=MAX_LONG_TEXT)
    if "points" in values:
        checks.in_range(errors, "points", values["points"], 1, MAX_POINTS)
    if "explanation" in values:
        clean["explanation"] = checks.text(
            errors, "explanation", values["explanation"], max_length=MAX_LONG_TEXT, required=False
        )
    if "media_url" in values:
        clean["media_url"] = checks.link(errors, "media_url", values["media_url"])
    return clean


async def add_question(
    session: AsyncSession,
    *,
    actor: Actor,
    quiz_id: uuid.UUID,
    text: str,
    config: QuestionConfig,
    points: int = 1,
    explanation: str | None = None,
    media_url: str | None = None,
    difficulty: Difficulty = Difficulty.MEDIUM,
) -> Question:
    """Appended with the next order number; its type is the configuration's."""
    await quiz_for_teacher(session, actor, quiz_id)
    count = await repo.count_questions(session, quiz_id)
    errors: list[FieldError] = []
    values = _question_fields(
        errors,
        {"text": text, "points": points, "explanation": explanation, "media_url": media_url},
    )
    if count >= MAX_QUESTIONS:
        errors.append(
            FieldError(None, f"A quiz has at most {MAX_QUESTIONS} questions", Common.TOO_MANY)
        )
    key = _checked_key(errors, config)
    collect(errors)
    question = Question(
        quiz_id=quiz_id,
        type=config.kind,
        options=key.options if key else None,
        correct_answer=key.correct_answer if key else None,
        order_number=count + 1,
        difficulty=difficulty,
        **values,
    )
    await db.add(session, question)
    return question


def _checked_key(errors: list[FieldError], config: QuestionConfig) -> StoredKey | None:
    try:
        return check_config(config)
    except UserFacingError as exc:
        errors.extend(exc.errors)
        return None


async def _question_for_teacher(
    session: AsyncSession, actor: Actor, question_id: uuid.UUID
) -> Question:
    question = await repo.get_question(session, question_id)
    if question is None:
        raise NotFound("Question")
    await quiz_for_teacher(session, actor, question.quiz_id)
    return question


async def update_question(
    session: AsyncSession,
    *,
    actor: Actor,
    question_id: uuid.UUID,
    config: QuestionConfig | None = None,
    **changes: Any,
) -> Question:
    """The given fields change (text, points, explanation, media_url, difficulty); a new
    `config` replaces options and key and must be of the question's type."""
    unknown = set(changes) - {"text", "points", "explanation", "media_url", "difficulty"}
    if unknown:
        raise TypeError(f"unknown question fields {sorted(unknown)}")
    question = await _question_for_teacher(session, actor, question_id)
    errors: list[FieldError] = []
    values = _question_fields(errors, changes)
    if config is not None:
        if config.kind != QuestionType(question.type):
            errors.append(
                FieldError(
                    "config",
                    "A question keeps its type: give a configuration of that type",
                    AssessmentsCode.INVALID_SHAPE,
                )
            )
        else:
            key = _checked_key(errors, config)
            if key is not None:
                values["options"], values["correct_answer"] = key.options, key.correct_answer
    collect(errors)
    for name, value in values.items():
        setattr(question, name, value)
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
            "question_ids",
            "List every question of this quiz exactly once",
            AssessmentsCode.NOT_A_PERMUTATION,
        )
    ordered = [by_id[i] for i in question_ids]
    await _renumber(session, ordered)
    return ordered


async def _renumber(session: AsyncSession, ordered: Sequence[Question]) -> None:
    for number, row in enumerate(ordered, start=1):
        if row.order_number != number:
            row.order_number = number
    await db.save(session, *ordered)
