"""Demo data: three weeks of learning history for the demo alumni, so the dashboards of
`make run` show something. The alumni work through the lessons of the courses they are enrolled
in through the services the API uses, with the clock set to each step's time: lessons opened,
video watched and completed (real progress rows and their learning events), the demo quiz taken
(failed once, then passed); each stops at a different point (the
instructor's funnel). A few searches follow, two of which find nothing (the admin's list of
missed searches). The events are written and the days rolled up as the worker would.

The history is fixed (no randomness) and made once: a second seeding finds progress on the
alumni's enrollments and does nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.events import EventType
from app.analytics.recorder import record_event
from app.analytics.rollups import refresh_totals, roll_up_day
from app.assessments.attempts import save_quiz_answer, start_quiz_attempt, submit_quiz_attempt
from app.assessments.quiz_shapes import Answer, BlanksAnswer, BooleanAnswer, ChoiceAnswer
from app.clock import frozen, utcnow
from app.learning.progress import complete_lesson, update_lesson_progress

HISTORY_DAYS = 21
# how far each alumna/alumnus (in e-mail order) gets through a course's lessons: all, 60 %, 30 %
REACH = (1.0, 0.6, 0.3)
SEARCHES = (("python", 2), ("pandas", 1), ("python basics", 1), ("kubernetes", 0), ("rust", 0))
# the demo quiz's answers by question type (app/assessments/quiz_seed.py): right, then wrong
RIGHT: dict[str, Answer] = {
    "multiple_choice": ChoiceAnswer(["a"]),
    "true_false": BooleanAnswer(True),
    "fill_blank": BlanksAnswer(["def"]),
}
WRONG: dict[str, Answer] = {
    "multiple_choice": ChoiceAnswer(["b"]),
    "true_false": BooleanAnswer(False),
    "fill_blank": BlanksAnswer(["fun"]),
}

_ENROLLED = text(
    "SELECT e.student_id AS user_id, e.course_id, "
    "EXISTS (SELECT 1 FROM lesson_progress lp WHERE lp.enrollment_id = e.id "
    "AND lp.status <> 'not_started') AS started "
    "FROM enrollments e JOIN users u ON u.id = e.student_id "
    "WHERE u.email LIKE '%@easyways.example' AND u.role = 'student' AND e.status = 'active' "
    "ORDER BY e.course_id, u.email"
)
_LESSONS = text(
    "SELECT l.id, l.course_id, l.type::text AS type, q.id AS quiz_id FROM lessons l "
    "JOIN course_modules m ON m.id = l.module_id LEFT JOIN quizzes q ON q.lesson_id = l.id "
    "WHERE l.course_id = ANY(:courses) ORDER BY l.course_id, m.order_number, l.order_number"
)
_QUESTION_TYPES = text("SELECT id, type::text AS type FROM questions WHERE quiz_id = :quiz")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour % 24, minute % 60), tzinfo=UTC)


async def _take_quiz(
    session: AsyncSession, student_id: uuid.UUID, quiz_id: uuid.UUID, answers: dict[str, Answer]
) -> None:
    types = {
        row.id: row.type
        for row in (await session.execute(_QUESTION_TYPES, {"quiz": quiz_id})).all()
    }
    attempt = await start_quiz_attempt(session, student_id=student_id, quiz_id=quiz_id)
    for question_id, kind in types.items():
        if kind in answers:
            await save_quiz_answer(
                session,
                student_id=student_id,
                attempt_id=attempt.id,
                question_id=question_id,
                answer=answers[kind],
            )
    await submit_quiz_attempt(session, student_id=student_id, attempt_id=attempt.id)


async def _learn(session: AsyncSession, student_id: uuid.UUID, lesson: Any, when: datetime) -> None:
    """One lesson, the way the learner's client would report it (a quiz: failed once, then
    passed)."""
    if lesson.quiz_id is not None:
        with frozen(when):
            await _take_quiz(session, student_id, lesson.quiz_id, WRONG)
        when += timedelta(minutes=30)
        with frozen(when):
            await _take_quiz(session, student_id, lesson.quiz_id, RIGHT)
        return
    if lesson.type == "assignment":
        return
    with frozen(when):
        await update_lesson_progress(
            session,
            student_id=student_id,
            lesson_id=lesson.id,
            watch_time_seconds=600 + 60 * (lesson.id.int % 10),
        )
    with frozen(when + timedelta(minutes=20)):
        await complete_lesson(session, student_id=student_id, lesson_id=lesson.id)


async def _history(
    session: AsyncSession, enrolled: Sequence[Any], lessons: Sequence[Any], now: datetime
) -> None:
    by_course: dict[uuid.UUID, list[Any]] = {}
    for lesson in lessons:
        by_course.setdefault(lesson.course_id, []).append(lesson)
    today = now.date()
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    start = now - timedelta(hours=3)  # each day's learning starts then: today's is past
    rank: dict[uuid.UUID, int] = {}
    for row in enrolled:
        index = rank[row.course_id] = rank.get(row.course_id, -1) + 1
        course_lessons = by_course.get(row.course_id, [])
        reach = max(round(len(course_lessons) * REACH[index % len(REACH)]), 1)
        # a lesson a day, the last one `index` days ago (the one who finishes learned today:
        # a current streak)
        last_day = today - timedelta(days=index)
        for step, lesson in enumerate(course_lessons[:reach]):
            day = max(last_day - timedelta(days=reach - 1 - step), first_day)
            when = start - timedelta(days=(today - day).days) + timedelta(minutes=5 * step)
            await _learn(session, row.user_id, lesson, when)


def _searches(today: date) -> int:
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    for number, (query, results) in enumerate(SEARCHES):
        record_event(
            EventType.SEARCH_PERFORMED,
            user_id=None,
            properties={"query": query, "results": results},
            occurred_at=_at(first_day + timedelta(days=3 * number), 9, number),
        )
    return len(SEARCHES)


async def seed_demo_analytics(session: AsyncSession) -> int:
    """Make the demo history (once); returns the alumni's enrollments it was made for. Its
    events wait in this process's buffer: `app.seed.seed` writes them, then `roll_up_demo`."""
    enrolled = [row for row in (await session.execute(_ENROLLED)).all() if not row.started]
    if not enrolled:
        return 0
    courses = sorted({row.course_id for row in enrolled})
    lessons = list((await session.execute(_LESSONS, {"courses": courses})).all())
    now = utcnow()
    await _history(session, enrolled, lessons, now)
    _searches(now.date())
    return len(enrolled)


async def roll_up_demo(session: AsyncSession) -> int:
    """Roll up the demo history's days (after its events are written), as the worker would."""
    today = utcnow().date()
    for offset in range(HISTORY_DAYS):
        await roll_up_day(session, today - timedelta(days=offset))
    await refresh_totals(session, today=today)
    return HISTORY_DAYS
