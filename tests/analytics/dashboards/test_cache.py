"""Property 60: expensive dashboards are cached in Redis with a TTL, served from the cache until
then, and recomputed once a rollup has recomputed a day."""

from __future__ import annotations

from redis.asyncio import Redis

from app.accounts.models import UserRole
from app.analytics.rollups import roll_up_days
from app.db import Database, count_statements
from app.settings import Settings
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY
from tests.analytics.dashboards.test_instructor_dashboard import dashboard
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient

ROLLUP_TABLES = ("course_daily_stats", "lesson_daily_stats", "platform_daily_stats")
ADMIN = """query ($r: AnalyticsRange!) { adminDashboard(range: $r) { newEnrollments } }"""


def reads_rollups(statements: list[str]) -> bool:
    return any(table in s for s in statements for table in ROLLUP_TABLES)


async def test_property_60_instructor_dashboard_is_served_from_redis_until_a_rollup(
    database: Database, redis_client: Redis, client: GraphQLClient, settings: Settings
) -> None:
    w = await f.world(database)
    await f.enroll(database, await f.student(database), w.course)
    await roll_up_days(database, redis_client, [DAY], today=DAY)

    with count_statements(database.engine) as first:
        before = (await dashboard(client, w.teacher)).payload("instructorDashboard")
    [key] = await redis_client.keys("cache:analytics:instructor:*")
    ttl = await redis_client.ttl(key)
    await f.enroll(database, await f.student(database), w.course)  # not rolled up yet
    with count_statements(database.engine) as second:
        cached = (await dashboard(client, w.teacher)).payload("instructorDashboard")
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    with count_statements(database.engine) as third:
        fresh = (await dashboard(client, w.teacher)).payload("instructorDashboard")

    assert 0 < ttl <= settings.analytics_cache_ttl_seconds
    assert reads_rollups(first.statements)
    assert not reads_rollups(second.statements)
    assert cached == before
    assert before["enrollments"] == 1
    assert reads_rollups(third.statements)
    assert fresh["enrollments"] == 2


async def test_property_60_the_same_range_is_one_entry_and_another_range_is_another(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    admin = await person(database, UserRole.ADMIN)
    token = token_for(client, admin)
    day = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    week = {"from": DAY.isoformat(), "to": DAY.replace(day=DAY.day + 6).isoformat()}

    with count_statements(database.engine) as first:
        await client.execute(ADMIN, {"r": day}, token=token)
    with count_statements(database.engine) as again:
        await client.execute(ADMIN, {"r": day}, token=token)
    with count_statements(database.engine) as other:
        await client.execute(ADMIN, {"r": week}, token=token)

    assert reads_rollups(first.statements)
    assert not reads_rollups(again.statements)
    assert reads_rollups(other.statements)
    assert len(await redis_client.keys("cache:analytics:admin:*")) == 2
