"""Demo data: three weeks of learning history for the demo alumni, so the dashboards of
`make run` show something — the alumni work through the lessons of the courses they are enrolled
in (views, watched video, completions, quiz scores), each dropping off at a different point (the
instructor's funnel), plus a few searches, two of which find nothing (the admin's list of
missed searches). The days are then rolled up as the worker would.

The history is fixed (no randomness) and written once: it is marked by its request id, and a
second seeding finds it and writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.events import EntityType, EventType
from app.analytics.models import AnalyticsEvent
from app.analytics.rollups import refresh_totals, roll_up_day
from app.clock import utcnow

DEMO_REQUEST_ID = "demo-seed"
HISTORY_DAYS = 21
# how far each alumnus (in e-mail order) gets through a course's lessons: all, 60 %, 30 %
REACH = (1.0, 0.6, 0.3)
SEARCHES = (("python", 2), ("pandas", 1), ("python basics", 1), ("kubernetes", 0), ("rust", 0))

_ENROLLED = text(
    "SELECT e.student_id AS user_id, e.course_id FROM enrollments e "
    "JOIN users u ON u.id = e.student_id "
    "WHERE u.email LIKE '%@easyways.example' AND u.role = 'student' ORDER BY e.course_id, u.email"
)
_LESSONS = text(
    "SELECT l.id, l.course_id, l.type::text AS type, q.id AS quiz_id FROM lessons l "
    "JOIN course_modules m ON m.id = l.module_id LEFT JOIN quizzes q ON q.lesson_id = l.id "
    "WHERE l.course_id = ANY(:courses) ORDER BY l.course_id, m.order_number, l.order_number"
)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour % 24, minute % 60), tzinfo=UTC)


def _event(
    kind: EventType, user_id: uuid.UUID | None, when: datetime, **fields: Any
) -> AnalyticsEvent:
    return AnalyticsEvent(
        event_type=kind.value,
        user_id=user_id,
        occurred_at=when,
        request_id=DEMO_REQUEST_ID,
        properties=fields.pop("properties", {}),
        **fields,
    )


def _lesson_events(
    user_id: uuid.UUID, lesson: Any, when: datetime, score: float
) -> list[AnalyticsEvent]:
    where = {"course_id": lesson.course_id}
    done = _event(
        EventType.LESSON_COMPLETED,
        user_id,
        when + timedelta(minutes=20),
        entity_type=EntityType.LESSON.value,
        entity_id=lesson.id,
        **where,
    )
    viewed = _event(
        EventType.LESSON_VIEWED,
        user_id,
        when,
        entity_type=EntityType.LESSON.value,
        entity_id=lesson.id,
        **where,
    )
    if lesson.quiz_id is None:
        watched = _event(
            EventType.VIDEO_WATCHED,
            user_id,
            when + timedelta(minutes=15),
            entity_type=EntityType.LESSON.value,
            entity_id=lesson.id,
            properties={"seconds": 600 + 60 * (lesson.id.int % 10)},
            **where,
        )
        return [viewed, watched, done]
    attempt = str(uuid.uuid5(lesson.quiz_id, str(user_id)))
    quiz = {"entity_type": EntityType.QUIZ.value, "entity_id": lesson.quiz_id, **where}
    started = _event(
        EventType.QUIZ_STARTED, user_id, when, properties={"attempt_id": attempt}, **quiz
    )
    submitted = _event(
        EventType.QUIZ_SUBMITTED,
        user_id,
        when + timedelta(minutes=10),
        properties={"attempt_id": attempt, "score": score, "passed": score >= 70},
        **quiz,
    )
    return [viewed, started, submitted] + ([done] if score >= 70 else [])


def demo_history(enrolled: list[Any], lessons: list[Any], today: date) -> list[AnalyticsEvent]:
    """The events of the demo history ending `today` (pure: the same rows for the same input)."""
    by_course: dict[uuid.UUID, list[Any]] = {}
    for lesson in lessons:
        by_course.setdefault(lesson.course_id, []).append(lesson)
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    events: list[AnalyticsEvent] = []
    rank: dict[uuid.UUID, int] = {}
    for row in enrolled:
        index = rank[row.course_id] = rank.get(row.course_id, -1) + 1
        course_lessons = by_course.get(row.course_id, [])
        reach = round(len(course_lessons) * REACH[index % len(REACH)])
        for step, lesson in enumerate(course_lessons[: max(reach, 1)]):
            day = min(first_day + timedelta(days=index + 2 * step), today)
            score = 90.0 - 15 * index
            events += _lesson_events(row.user_id, lesson, _at(day, 18 + index, 5 * step), score)
    for number, (query, results) in enumerate(SEARCHES):
        day = first_day + timedelta(days=3 * number)
        events.append(
            _event(
                EventType.SEARCH_PERFORMED,
                None,
                _at(day, 9, number),
                properties={"query": query, "results": results},
            )
        )
    return events


async def seed_demo_analytics(session: AsyncSession) -> int:
    """Write the demo history (once) and roll its days up; returns the events written."""
    marker = select(AnalyticsEvent.id).where(AnalyticsEvent.request_id == DEMO_REQUEST_ID)
    if await session.scalar(marker.limit(1)) is not None:
        return 0
    enrolled = list((await session.execute(_ENROLLED)).all())
    courses = sorted({row.course_id for row in enrolled})
    lessons = list((await session.execute(_LESSONS, {"courses": courses})).all())
    today = utcnow().date()
    events = demo_history(enrolled, lessons, today)
    session.add_all(events)
    await session.flush()
    for offset in range(HISTORY_DAYS):
        await roll_up_day(session, today - timedelta(days=offset))
    await refresh_totals(session, today=today)
    return len(events)
