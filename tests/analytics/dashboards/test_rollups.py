"""The daily rollups: the numbers of a day, re-running a day replaces its rows, and two rollups
of the same day at once never double count."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select, text

from app.analytics.models import CourseDailyStats
from app.analytics.rollup_models import (
    LessonDailyStats,
    PlatformDailyStats,
    SearchMissDaily,
    StudentDailyActivity,
)
from app.analytics.rollups import roll_up_day, roll_up_days
from app.analytics.rollups_repo import LOCK_SPACE
from app.db import Database
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at


async def _day_rows(database: Database) -> dict[str, list[Any]]:
    tables = {
        "course": CourseDailyStats,
        "lesson": LessonDailyStats,
        "student": StudentDailyActivity,
        "platform": PlatformDailyStats,
        "search": SearchMissDaily,
    }
    async with database.session() as session:
        return {
            name: sorted(
                tuple(row) for row in (await session.execute(select(model.__table__))).all()
            )
            for name, model in tables.items()
        }


async def _busy_day(database: Database) -> f.World:
    w = await f.world(database)
    first, second = w.lessons[0], w.lessons[1]
    ada, bob = await f.student(database, "Ada"), await f.student(database, "Bob")
    ada_in = await f.enroll(database, ada, w.course)
    await f.enroll(database, bob, w.course, completed_on=DAY)
    await f.complete_lesson(database, ada_in, first)
    await f.attempt(database, ada_in, w.quizzes[first.id], 40)
    await f.attempt(database, ada_in, w.quizzes[first.id], 90, number=2)
    await f.review(database, bob, w.course, 4)
    await f.events(
        database,
        f.viewed(ada, first, at(DAY, 9)),
        f.viewed(ada, first, at(DAY, 10)),  # the same learner again: one viewer
        f.viewed(bob, second, at(DAY, 11)),
        f.viewed(bob, first, at(DAY - timedelta(days=3))),  # viewed before: not a first view
        f.viewed(bob, first, at(DAY, 12)),
        f.watched(ada, first, 300, at(DAY, 9, 5)),
        f.watched(ada, first, 120, at(DAY, 23, 59)),
        f.watched(ada, first, 999, at(DAY + timedelta(days=1), 0, 0)),  # the next day
        f.searched("quantum basket weaving", 0, at(DAY, 8)),
        f.searched("quantum basket weaving", 0, at(DAY, 9)),
        f.searched("python", 12, at(DAY, 9)),
    )
    return w


async def test_a_day_rolls_up_into_course_lesson_student_platform_and_search_rows(
    database: Database, redis_client: Redis
) -> None:
    w = await _busy_day(database)
    await roll_up_days(database, redis_client, [DAY], today=DAY)

    rows = await _day_rows(database)
    async with database.session() as session:
        course = (await session.execute(select(CourseDailyStats))).scalars().one()
        lessons = {
            r.lesson_id: r for r in (await session.execute(select(LessonDailyStats))).scalars()
        }
        platform = (await session.execute(select(PlatformDailyStats))).scalars().one()
    assert (course.enrollments, course.completions, course.active_students) == (2, 1, 2)
    assert (course.lesson_views, course.watched_seconds) == (4, 420)
    assert (course.quiz_attempts, course.quiz_passed, float(course.quiz_score_sum)) == (2, 1, 130)
    assert (course.ratings, course.rating_sum) == (1, 4)
    first, second = w.lessons[0], w.lessons[1]
    assert lessons[first.id].first_viewers == 1  # Ada; Bob had viewed it days before
    assert lessons[first.id].first_completers == 1
    assert (lessons[first.id].quiz_attempts, lessons[first.id].quiz_failures) == (2, 1)
    assert lessons[second.id].first_viewers == 1
    assert (platform.active_users, platform.new_enrollments, platform.completions) == (2, 2, 1)
    assert platform.searches == 3
    assert rows["search"] == [(DAY, "quantum basket weaving", 2)]


async def test_rolling_up_the_same_day_twice_gives_the_same_rows(
    database: Database, redis_client: Redis
) -> None:
    await _busy_day(database)
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    once = await _day_rows(database)
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    assert await _day_rows(database) == once
    assert all(once[name] for name in ("course", "lesson", "student", "platform"))


async def test_two_rollups_of_the_same_day_at_once_do_not_double_count(
    database: Database, redis_client: Redis
) -> None:
    """A real race: two sessions roll up the day concurrently; the advisory lock makes the second
    wait and replace the first one's rows."""
    await _busy_day(database)
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    expected = await _day_rows(database)
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM course_daily_stats"))

    started = asyncio.Event()
    contended: list[bool] = []

    async def second_is_waiting() -> bool:
        async with database.session() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND classid = :space AND objid = :day AND objsubid = 2 AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"space": LOCK_SPACE, "day": DAY.toordinal()},
            )
        return bool(waiting)

    async def first() -> None:
        async with database.transaction() as session:
            await roll_up_day(session, DAY)
            started.set()
            for _ in range(500):  # hold the day's lock until the other rollup waits for it
                if await second_is_waiting():
                    contended.append(True)
                    break
                await asyncio.sleep(0.01)

    async def second() -> None:
        await started.wait()
        async with database.transaction() as session:
            await roll_up_day(session, DAY)

    await asyncio.gather(first(), second())
    assert contended == [True]  # the two really overlapped
    assert await _day_rows(database) == expected
