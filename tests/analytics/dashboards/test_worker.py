"""The worker side: the periodic job rolls up yesterday and today, and the actor any day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from app.analytics.models import CourseDailyStats
from app.analytics.rollup_models import PlatformDailyStats
from app.clock import frozen
from app.db import Database
from app.settings import Settings
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at


@pytest.fixture
async def runtime(redis_client: Redis, settings: Settings) -> AsyncIterator[Any]:
    from workers.runtime import build_runtime

    made = build_runtime(settings)
    yield made
    await made.close()


async def _days(database: Database) -> list[Any]:
    async with database.session() as session:
        return list((await session.scalars(select(PlatformDailyStats.day))).all())


async def test_the_schedule_rolls_up_yesterday_and_today(database: Database, runtime: Any) -> None:
    from workers import schedule

    [job] = [j for j in schedule.JOBS if j.name == "roll_up_analytics"]
    w = await f.world(database)
    await f.enroll(database, await f.student(database), w.course, on=DAY - timedelta(days=1))

    with frozen(at(DAY, 6)):
        assert await schedule.run_due([job], runtime) == ["roll_up_analytics"]

    assert sorted(await _days(database)) == [DAY - timedelta(days=1), DAY]
    assert job.every == timedelta(seconds=runtime.settings.analytics_rollup_interval_seconds)


async def test_the_actor_rolls_up_the_day_it_is_given(database: Database, worker: Any) -> None:
    from workers.analytics import roll_up_analytics_day
    from workers.broker import broker

    broker.flush_all()
    w = await f.world(database)
    await f.enroll(database, await f.student(database), w.course, on=DAY - timedelta(days=40))

    roll_up_analytics_day.send((DAY - timedelta(days=40)).isoformat())
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    async with database.session() as session:
        [row] = (await session.scalars(select(CourseDailyStats))).all()
    assert (row.day, row.enrollments) == (DAY - timedelta(days=40), 1)
