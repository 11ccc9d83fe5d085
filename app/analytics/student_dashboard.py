"""The signed-in learner's dashboard: courses in progress, time learned per week, streaks and
totals (student_analytics, kept by the rollup worker), upcoming deadlines (assignments due,
exams closing, not yet handed in), recent grades, certificates and achievements.

Six statements whatever the numbers of courses, weeks or grades; it reads the learner's own
rows only (never the raw events), so it is not cached.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.analytics import dashboards_repo as repo
from app.clock import utcnow
from app.db import Database
from app.errors import Common, Invalid
from app.security.permissions import Actor

LIST_LIMIT = 20
MAX_WEEKS = 52


@dataclass(frozen=True)
class CourseInProgress:
    course_id: uuid.UUID
    title: str
    progress_percentage: Decimal
    enrolled_at: datetime
    last_accessed_at: datetime | None


@dataclass(frozen=True)
class WeekLearned:
    week_start: date  # a Monday (UTC)
    seconds: int


@dataclass(frozen=True)
class Deadline:
    kind: str  # assignment | exam
    id: uuid.UUID
    title: str
    course_id: uuid.UUID
    course_title: str
    due_at: datetime


@dataclass(frozen=True)
class Grade:
    kind: str  # quiz | assignment | exam
    id: uuid.UUID
    title: str
    course_id: uuid.UUID
    course_title: str
    score_percentage: Decimal | None
    passed: bool | None
    graded_at: datetime


@dataclass(frozen=True)
class EarnedCertificate:
    id: uuid.UUID
    course_id: uuid.UUID | None
    course_title: str
    certificate_number: str
    verification_code: str
    issued_at: datetime


@dataclass(frozen=True)
class StudentDashboard:
    courses_in_progress: list[CourseInProgress]
    weeks: list[WeekLearned]  # oldest first, every week present
    courses_enrolled: int
    courses_completed: int
    average_quiz_score: Decimal | None
    time_invested_minutes: int
    current_streak_days: int
    longest_streak_days: int
    last_active_on: date | None
    achievements: list[str]
    upcoming_deadlines: list[Deadline]
    recent_grades: list[Grade]
    certificates: list[EarnedCertificate]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def student_dashboard(
    db: Database, *, actor: Actor, weeks: int = 8, now: datetime | None = None
) -> StudentDashboard:
    if not 1 <= weeks <= MAX_WEEKS:
        raise Invalid("weeks", f"Ask for 1 to {MAX_WEEKS} weeks", Common.OUT_OF_RANGE)
    now = now or utcnow()
    today = now.date()
    first_week = week_start(today) - timedelta(weeks=weeks - 1)
    params = repo.student_params(actor.id, now=now, today=today, since=first_week, limit=LIST_LIMIT)
    async with db.session() as session:
        courses = await repo.rows(session, repo.IN_PROGRESS, params)
        learned = await repo.rows(session, repo.WEEKS, params)
        totals = await repo.rows(session, repo.TOTALS, params)
        deadlines = await repo.rows(session, repo.DEADLINES, params)
        grades = await repo.rows(session, repo.GRADES, params)
        certificates = await repo.rows(session, repo.CERTIFICATES, params)
    seconds = {r[0]: int(r[1]) for r in learned}
    t: Any = totals[0] if totals else (0, 0, None, 0, 0, 0, None, [])
    return StudentDashboard(
        courses_in_progress=[CourseInProgress(*r) for r in courses],
        weeks=[
            WeekLearned(w, seconds.get(w, 0))
            for w in (first_week + timedelta(weeks=i) for i in range(weeks))
        ],
        courses_enrolled=int(t[0]),
        courses_completed=int(t[1]),
        average_quiz_score=t[2],
        time_invested_minutes=int(t[3]),
        current_streak_days=int(t[4]),
        longest_streak_days=int(t[5]),
        last_active_on=t[6],
        achievements=[str(a) for a in t[7]],
        upcoming_deadlines=[Deadline(*r) for r in deadlines],
        recent_grades=[Grade(*r) for r in grades],
        certificates=[EarnedCertificate(*r) for r in certificates],
    )
