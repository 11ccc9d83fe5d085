"""Each dashboard runs the same number of SQL statements for a little data and for a lot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from app.accounts.models import UserRole
from app.analytics.dashboard_cache import bump_analytics_version
from app.analytics.rollups import roll_up_days
from app.clock import frozen
from app.db import Database, count_statements
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at
from tests.analytics.dashboards.test_instructor_dashboard import dashboard
from tests.analytics.dashboards.test_student_dashboard import board
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient

ADMIN = """query ($r: AnalyticsRange!) {
  adminDashboard(range: $r) {
    signups dailyActiveUsers monthlyActiveUsers revenue { amountMinor } refunds { amountMinor }
    days { day } topCourses { title } topInstructors { name } searchTermsWithoutResults { query }
  }
}"""
DAYS = [DAY - timedelta(days=i) for i in range(5)]


async def teaching(database: Database, courses: int, learners: int) -> Any:
    teacher = await person(database, UserRole.INSTRUCTOR, profile=True)
    for _ in range(courses):
        w = await f.world(database, teacher=teacher, modules=2, lessons=3)
        for i in range(learners):
            who = await f.student(database, f"N{i}")
            row = await f.enroll(database, who, w.course, on=DAYS[i % 5])
            await f.attempt(database, row, w.quizzes[w.lessons[i % 6].id], 50 + i)
            await f.events(
                database,
                f.viewed(who, w.lessons[0], at(DAYS[i % 5])),
                f.searched(f"missing {i}", 0, at(DAYS[i % 5])),
            )
    return teacher


async def _count(database: Database, call: Any) -> int:
    with count_statements(database.engine) as counter:
        outcome = await call()
    assert not outcome.errors, outcome.errors
    return counter.count


async def test_instructor_and_admin_dashboards_cost_the_same_statements_for_any_size(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    admin = await person(database, UserRole.ADMIN)
    span = {"r": {"from": DAYS[-1].isoformat(), "to": DAY.isoformat()}}
    small = await teaching(database, courses=1, learners=1)
    await roll_up_days(database, redis_client, DAYS, today=DAY)
    instructor_small = await _count(database, lambda: dashboard(client, small))
    admin_small = await _count(
        database, lambda: client.execute(ADMIN, span, token=token_for(client, admin))
    )

    large = await teaching(database, courses=4, learners=12)
    await roll_up_days(database, redis_client, DAYS, today=DAY)  # also orphans cached entries
    instructor_large = await _count(database, lambda: dashboard(client, large))
    admin_large = await _count(
        database, lambda: client.execute(ADMIN, span, token=token_for(client, admin))
    )

    assert instructor_large == instructor_small
    assert admin_large == admin_small
    assert instructor_small <= 4  # the caller + courses + funnel (+ nothing per course)
    assert admin_small <= 7  # the caller + five reads


async def test_student_dashboard_costs_the_same_statements_for_any_size(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    async def learner(courses: int) -> Any:
        who = await f.student(database)
        for _ in range(courses):
            w = await f.world(database, modules=1, lessons=2)
            row = await f.enroll(database, who, w.course)
            await f.attempt(database, row, w.quizzes[w.lessons[0].id], 80)
            await f.events(database, f.watched(who, w.lessons[0], 60, at(DAY)))
        return who

    few, many = await learner(1), await learner(8)
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    await bump_analytics_version(redis_client)
    with frozen(at(DAY, 20)):
        one = await _count(database, lambda: board(client, few, weeks=2))
        lots = await _count(database, lambda: board(client, many, weeks=12))
    assert one == lots
    assert one <= 8  # the caller + six reads
