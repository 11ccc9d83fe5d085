"""The instructor and admin dashboards over a date range, read from the rollups and cached.

Both read only the rollup tables and small current-state tables (app/analytics/dashboards_repo),
a fixed number of statements whatever the data. Results are cached in Redis for
ANALYTICS_CACHE_TTL_SECONDS, keyed by the arguments and the analytics version that each rollup
bumps (app/analytics/dashboard_cache.py). Instructors see the courses they teach (own and
co-instruct, published); admins may pass any instructor's id; anyone else asking for another
instructor gets NOT_FOUND. The admin dashboard is for admins only (FORBIDDEN otherwise).

Definitions: enrollments, completions, revenue, refunds, quiz attempts and score are sums of the
days in the range (UTC, both ends included); active learners are the enrollments (active or
completed) whose latest visit (`enrollments.last_accessed_at`) falls in the range — exact for a
range ending today; completion rate is the course's current one (completed / all enrollments,
course_analytics); the funnel counts, per lesson, the learners who viewed / completed it for the
first time within the range, and its quiz failures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from redis.asyncio import Redis

from app.analytics import dashboards_repo as repo
from app.analytics.dashboard_cache import cached
from app.db import Database
from app.errors import Common, Forbidden, Invalid, NotFound
from app.security.permissions import Actor, Permission, has_permission

TOP = 10
TOP_SEARCH_MISSES = 20


@dataclass(frozen=True)
class DayRange:
    """UTC days from `start` to `end`, both included."""

    start: date
    end: date

    def check(self, max_days: int) -> DayRange:
        if self.end < self.start:
            raise Invalid("range", "The range must not end before it starts", Common.INVALID)
        if self.days > max_days:
            raise Invalid(
                "range", f"The range may span at most {max_days} days", Common.OUT_OF_RANGE
            )
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def params(self) -> dict[str, Any]:
        lo = datetime.combine(self.start, time.min, tzinfo=UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
        return {"start": self.start, "end": self.end, "lo": lo, "hi": hi}


@dataclass
class Amount:
    currency: str
    minor: int


@dataclass
class FunnelStep:
    lesson_id: uuid.UUID
    module_title: str
    lesson_title: str
    viewers: int
    completers: int
    quiz_attempts: int
    quiz_failures: int

    @property
    def quiz_failure_rate(self) -> Decimal | None:
        if not self.quiz_attempts:
            return None
        return round(Decimal(100 * self.quiz_failures) / self.quiz_attempts, 2)


@dataclass
class CourseNumbers:
    course_id: uuid.UUID
    title: str
    currency: str
    rating: Decimal | None
    review_count: int
    completion_rate: Decimal | None
    dropout_rate: Decimal | None
    total_enrollments: int
    enrollments: int
    completions: int
    revenue_minor: int
    refunds_minor: int
    quiz_attempts: int
    quiz_score_sum: Decimal | None
    watched_seconds: int
    active_learners: int
    grading_queue: int
    funnel: list[FunnelStep] = field(default_factory=list)

    @property
    def average_quiz_score(self) -> Decimal | None:
        if not self.quiz_attempts or self.quiz_score_sum is None:
            return None
        return round(self.quiz_score_sum / self.quiz_attempts, 2)


@dataclass
class InstructorDashboard:
    instructor_id: uuid.UUID
    start: date
    end: date
    courses: list[CourseNumbers]


@dataclass
class PlatformDay:
    day: date
    signups: int
    active_users: int
    monthly_active_users: int
    new_enrollments: int
    completions: int
    searches: int


@dataclass
class TopCourse:
    course_id: uuid.UUID
    title: str
    currency: str
    enrollments: int
    completions: int
    revenue_minor: int
    refunds_minor: int


@dataclass
class TopInstructor:
    instructor_id: uuid.UUID
    name: str
    courses: int
    enrollments: int
    completions: int


@dataclass
class SearchMiss:
    query: str
    searches: int


@dataclass
class AdminDashboard:
    start: date
    end: date
    days: list[PlatformDay]
    revenue: list[Amount]
    refunds: list[Amount]
    top_courses: list[TopCourse]
    top_instructors: list[TopInstructor]
    search_misses: list[SearchMiss]


_INSTRUCTOR = TypeAdapter(InstructorDashboard)
_ADMIN = TypeAdapter(AdminDashboard)


async def instructor_dashboard(
    db: Database,
    redis: Redis,
    *,
    actor: Actor,
    period: DayRange,
    instructor_id: uuid.UUID | None = None,
    max_days: int,
    ttl_seconds: int,
) -> InstructorDashboard:
    period.check(max_days)
    whom = instructor_id or actor.id
    if whom != actor.id and not has_permission(actor, Permission.ANALYTICS_VIEW_PLATFORM):
        raise NotFound("Instructor")
    arguments = {"instructor": str(whom), "start": str(period.start), "end": str(period.end)}

    async def compute() -> InstructorDashboard:
        return await _instructor_numbers(db, whom, period)

    return await cached(
        redis, "instructor", arguments, _INSTRUCTOR, compute, ttl_seconds=ttl_seconds
    )


async def _instructor_numbers(
    db: Database, instructor_id: uuid.UUID, period: DayRange
) -> InstructorDashboard:
    params = period.params()
    async with db.session() as session:
        course_rows = await repo.instructor_courses(session, instructor_id, params)
        funnel_rows = await repo.instructor_funnel(session, instructor_id, params)
    courses = {r[0]: _course(r) for r in course_rows}
    for r in funnel_rows:
        course = courses.get(r[0])
        if course is not None:
            course.funnel.append(
                FunnelStep(r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6]), int(r[7]))
            )
    return InstructorDashboard(instructor_id, period.start, period.end, list(courses.values()))


def _course(r: tuple[Any, ...]) -> CourseNumbers:
    return CourseNumbers(
        course_id=r[0],
        title=r[1],
        currency=r[2],
        rating=r[3],
        review_count=int(r[4]),
        completion_rate=r[5],
        dropout_rate=r[6],
        total_enrollments=int(r[7] or 0),
        enrollments=int(r[8]),
        completions=int(r[9]),
        revenue_minor=int(r[10]),
        refunds_minor=int(r[11]),
        quiz_attempts=int(r[12]),
        quiz_score_sum=r[13],
        watched_seconds=int(r[14]),
        active_learners=int(r[15]),
        grading_queue=int(r[16]),
    )


async def admin_dashboard(
    db: Database, redis: Redis, *, actor: Actor, period: DayRange, max_days: int, ttl_seconds: int
) -> AdminDashboard:
    if not has_permission(actor, Permission.ANALYTICS_VIEW_PLATFORM):
        raise Forbidden("Only admins can read the platform dashboard")
    period.check(max_days)

    async def compute() -> AdminDashboard:
        return await _admin_numbers(db, period)

    arguments = {"start": str(period.start), "end": str(period.end)}
    return await cached(redis, "admin", arguments, _ADMIN, compute, ttl_seconds=ttl_seconds)


async def _admin_numbers(db: Database, period: DayRange) -> AdminDashboard:
    params = {**period.params(), "limit": TOP}
    async with db.session() as session:
        days = await repo.rows(session, repo.PLATFORM_DAYS, params)
        money = await repo.rows(session, repo.MONEY, params)
        courses = await repo.rows(session, repo.TOP_COURSES, params)
        teachers = await repo.rows(session, repo.TOP_INSTRUCTORS, params)
        misses = await repo.rows(
            session, repo.SEARCH_MISSES, {**params, "limit": TOP_SEARCH_MISSES}
        )
    return AdminDashboard(
        period.start,
        period.end,
        days=[PlatformDay(r[0], *_ints(r[1:7])) for r in days],
        revenue=[Amount(r[0], int(r[1])) for r in money],
        refunds=[Amount(r[0], int(r[2])) for r in money],
        top_courses=[TopCourse(r[0], r[1], r[2], *_ints(r[3:7])) for r in courses],
        top_instructors=[
            TopInstructor(r[0], f"{r[1]} {r[2]}".strip(), *_ints(r[3:6])) for r in teachers
        ],
        search_misses=[SearchMiss(r[0], int(r[1])) for r in misses],
    )


def _ints(values: tuple[Any, ...]) -> list[int]:
    return [int(v or 0) for v in values]
