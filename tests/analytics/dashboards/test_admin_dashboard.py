"""adminDashboard: signups, daily and monthly active users, revenue and refunds per currency,
top courses and instructors, searches without results — for admins only."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from app.accounts.models import UserRole
from app.analytics.rollups import roll_up_days
from app.db import Database
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

QUERY = """query ($r: AnalyticsRange!) {
  adminDashboard(range: $r) {
    from to newEnrollments completions dailyActiveUsers peakDailyActiveUsers monthlyActiveUsers
    revenue { amountMinor currency } refunds { amountMinor currency }
    days { day activeUsers monthlyActiveUsers newEnrollments }
    topCourses { courseId enrollments revenue { amountMinor } refunds { amountMinor } }
    topInstructors { instructorId enrollments courses }
    searchTermsWithoutResults { query searches }
  }
}"""
TWO_DAYS = [DAY - timedelta(days=1), DAY]


async def test_the_platform_numbers_of_a_range(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    popular, quiet = await f.world(database), await f.world(database)
    people = [await f.student(database, f"P{i}") for i in range(3)]
    for who in people:
        await f.enroll(database, who, popular.course, on=DAY)
    await f.enroll(database, people[0], quiet.course, on=TWO_DAYS[0])
    await f.purchase(database, people[0], popular.course, 5000, refunded_minor=1500)
    await f.purchase(database, people[1], popular.course, 5000)
    await f.events(
        database,
        f.viewed(people[0], popular.lessons[0], at(TWO_DAYS[0])),
        f.viewed(people[0], popular.lessons[0], at(DAY)),
        f.viewed(people[1], popular.lessons[0], at(DAY)),
        f.searched("cobol for cats", 0, at(DAY)),
        f.searched("cobol for cats", 0, at(TWO_DAYS[0])),
        f.searched("python", 3, at(DAY)),
    )
    await roll_up_days(database, redis_client, TWO_DAYS, today=DAY)
    admin = await person(database, UserRole.ADMIN)

    span = {"from": TWO_DAYS[0].isoformat(), "to": DAY.isoformat()}
    board = (await client.execute(QUERY, {"r": span}, token=token_for(client, admin))).payload(
        "adminDashboard"
    )

    assert board["newEnrollments"] == 4
    assert [d["activeUsers"] for d in board["days"]] == [1, 2]
    assert board["dailyActiveUsers"] == 1.5
    assert board["peakDailyActiveUsers"] == 2
    assert board["monthlyActiveUsers"] == 2
    assert board["revenue"] == [{"amountMinor": 10000, "currency": "USD"}]
    assert board["refunds"] == [{"amountMinor": 1500, "currency": "USD"}]
    top = board["topCourses"][0]
    assert (top["courseId"], top["enrollments"]) == (gid("Course", popular.course.id), 3)
    assert (top["revenue"]["amountMinor"], top["refunds"]["amountMinor"]) == (10000, 1500)
    assert board["topInstructors"][0] == {
        "instructorId": gid("User", popular.teacher.id),
        "enrollments": 3,
        "courses": 1,
    }
    assert board["searchTermsWithoutResults"] == [{"query": "cobol for cats", "searches": 2}]


async def test_the_admin_dashboard_is_forbidden_to_anyone_else(
    database: Database, client: GraphQLClient
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    span = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    outcome = await client.execute(QUERY, {"r": span}, token=token_for(client, teacher))
    assert outcome.codes == ["FORBIDDEN"]
