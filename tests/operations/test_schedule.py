"""The workers' periodic scheduler: each job at most once per interval across workers, a failing
job retried on the next tick, and the jobs the platform needs registered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from redis.asyncio import Redis

from app.settings import Settings

if TYPE_CHECKING:
    from workers.runtime import Runtime
else:
    Runtime = Any


@pytest.fixture(scope="module")
def schedule(service_urls: tuple[str, str]) -> Any:
    """workers.schedule, imported once the test settings are in place (the broker reads them)."""
    from workers import schedule

    return schedule


@pytest.fixture
async def runtimes(
    redis_client: Redis, settings: Settings, schedule: Any
) -> AsyncIterator[list[Runtime]]:
    """Two workers' runtimes (own connections), as two worker processes would have."""
    from workers.runtime import build_runtime, close_runtime

    made = [build_runtime(settings), build_runtime(settings)]
    yield made
    for runtime in made:
        await runtime.close()
    await close_runtime()  # the one `schedule_until` builds on this event loop


class Counting:
    def __init__(self, failures: int = 0) -> None:
        self.runs = 0
        self.failures = failures
        self.ran = asyncio.Event()

    async def __call__(self, runtime: Runtime) -> int:
        self.runs += 1
        self.ran.set()
        await asyncio.sleep(0.01)
        if self.runs <= self.failures:
            raise RuntimeError("the job failed")
        return self.runs


async def test_a_job_runs_once_per_interval_however_many_workers_tick(
    runtimes: list[Runtime], schedule: Any
) -> None:
    job = Counting()
    jobs = [schedule.Job("count", timedelta(minutes=5), job)]
    ticks = await asyncio.gather(*(schedule.run_due(jobs, r) for r in runtimes for _ in range(3)))
    assert sorted(ticks) == [[]] * 5 + [["count"]]
    assert job.runs == 1
    assert await schedule.run_due(jobs, runtimes[0]) == []


async def test_the_next_run_is_due_when_the_interval_has_passed(
    runtimes: list[Runtime], redis_client: Redis, schedule: Any
) -> None:
    job = Counting()
    jobs = [schedule.Job("count", timedelta(minutes=5), job)]
    await schedule.run_due(jobs, runtimes[0])
    name = schedule.lock_name(runtimes[0].settings.queue_namespace, jobs[0])
    assert 0 < await redis_client.pttl(name) <= 5 * 60_000
    await redis_client.delete(name)  # what the lock's expiry after the interval does
    assert await schedule.run_due(jobs, runtimes[1]) == ["count"]
    assert job.runs == 2


async def test_a_failing_job_is_logged_and_retried_on_the_next_tick(
    runtimes: list[Runtime], schedule: Any
) -> None:
    job = Counting(failures=1)
    other = Counting()
    jobs = [
        schedule.Job("flaky", timedelta(hours=1), job),
        schedule.Job("other", timedelta(hours=1), other),
    ]
    assert await schedule.run_due(jobs, runtimes[0]) == ["other"]
    assert await schedule.run_due(jobs, runtimes[1]) == ["flaky"]
    assert (job.runs, other.runs) == (2, 1)


async def test_the_scheduler_ticks_until_stopped(runtimes: list[Runtime], schedule: Any) -> None:
    job = Counting()
    stop = asyncio.Event()
    jobs = [schedule.Job("count", timedelta(hours=1), job)]
    ticking = asyncio.create_task(schedule.schedule_until(stop, jobs=jobs, tick=0.01))
    await asyncio.wait_for(job.ran.wait(), timeout=10)
    stop.set()
    await asyncio.wait_for(ticking, timeout=10)
    assert job.runs == 1


def test_the_upload_purge_is_registered(schedule: Any) -> None:
    assert "purge_abandoned_uploads" in [job.name for job in schedule.JOBS]


async def test_the_registered_subscription_sweep_ends_a_lapsed_subscription_and_bumps_the_catalog(
    runtimes: list[Runtime], redis_client: Redis, database: Any, schedule: Any
) -> None:
    from sqlalchemy import update

    from app.commerce import subscriptions
    from app.commerce.models import PaymentProvider, Subscription, SubscriptionStatus
    from app.integrations.cache import catalog_version
    from app.integrations.payments_local import LocalGateway
    from tests.support import catalog as factories

    student = await factories.person(database)
    async with database.transaction() as session:
        await subscriptions.seed_plan(session)
    async with database.transaction() as session:
        done = await subscriptions.subscribe(
            session,
            LocalGateway(runtimes[0].settings, redis_client),
            user_id=student.id,
            plan_code=subscriptions.PLAN_CODE,
            provider=PaymentProvider.LOCAL,
        )
        await session.execute(  # its period ended long ago and no event ever came
            update(Subscription)
            .where(Subscription.id == done.subscription.id)
            .values(current_period_end=done.subscription.created_at - timedelta(days=60))
        )
    job = next(j for j in schedule.JOBS if j.name == "expire_lapsed_subscriptions")
    before = await catalog_version(redis_client)

    assert await schedule.run_due([job], runtimes[0]) == ["expire_lapsed_subscriptions"]

    async with database.session() as session:
        row = await session.get(Subscription, done.subscription.id)
    assert row is not None
    assert row.status == SubscriptionStatus.CANCELED
    assert await catalog_version(redis_client) == before + 1


async def test_a_job_that_changes_the_catalog_bumps_its_cache_version_when_it_changed_something(
    runtimes: list[Runtime], redis_client: Redis, schedule: Any
) -> None:
    from app.integrations.cache import catalog_version

    async def ended_none(runtime: Runtime) -> int:
        return 0

    async def ended_three(runtime: Runtime) -> int:
        return 3

    before = await catalog_version(redis_client)
    idle = schedule.Job("idle", timedelta(hours=1), ended_none, changes_catalog=True)
    busy = schedule.Job("busy", timedelta(hours=1), ended_three, changes_catalog=True)
    await schedule.run_due([idle], runtimes[0])
    assert await catalog_version(redis_client) == before
    await schedule.run_due([busy], runtimes[0])
    assert await catalog_version(redis_client) == before + 1
