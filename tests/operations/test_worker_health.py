"""Workers heartbeat into Redis; readiness counts them and, when asked to, fails without one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.heartbeats import alive_workers, beat, leave
from app.main import create_app
from app.settings import Settings
from tests.support.api import build_test_schema, serve

NS = "easyways-test"


@pytest.fixture
async def loop_runtime(redis_client: Redis) -> AsyncIterator[None]:
    """The worker code under test builds its runtime on this event loop: close it afterwards."""
    from workers.runtime import close_runtime

    yield
    await close_runtime()


@asynccontextmanager
async def api(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app_settings = settings.model_copy(update={"queue_namespace": NS, **overrides})
    async with serve(create_app(app_settings, schema=build_test_schema(app_settings))) as client:
        yield client


async def test_a_beating_worker_is_alive_until_it_leaves(redis_client: Redis) -> None:
    await beat(redis_client, NS, "w1", ttl_seconds=30, info={"pid": 1})
    await beat(redis_client, NS, "w2", ttl_seconds=30, info={"pid": 2})
    assert await alive_workers(redis_client, NS) == [{"pid": 1}, {"pid": 2}]
    await leave(redis_client, NS, "w1")
    assert await alive_workers(redis_client, NS) == [{"pid": 2}]


async def test_a_worker_whose_heartbeat_expired_is_dropped(redis_client: Redis) -> None:
    await beat(redis_client, NS, "w1", ttl_seconds=30, info={"pid": 1})
    assert await redis_client.ttl(f"{NS}:worker:w1") == 30
    await redis_client.delete(f"{NS}:worker:w1")  # what its expiry does
    assert await alive_workers(redis_client, NS) == []
    assert await redis_client.smembers(f"{NS}:workers") == set()


async def test_readyz_reports_the_live_workers_without_requiring_one_by_default(
    redis_client: Redis, settings: Settings
) -> None:
    async with api(settings) as client:
        alone = (await client.get("/readyz")).json()
        await beat(redis_client, NS, "w1", ttl_seconds=30, info={})
        with_one = (await client.get("/readyz")).json()
    assert (alone["status"], alone["workers"]) == ("ok", 0)
    assert (with_one["status"], with_one["workers"]) == ("ok", 1)


async def test_readyz_fails_naming_the_worker_when_one_is_required_and_none_beats(
    redis_client: Redis, settings: Settings
) -> None:
    async with api(settings, ready_requires_worker=True) as client:
        down = await client.get("/readyz")
        await beat(redis_client, NS, "w1", ttl_seconds=30, info={})
        up = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["failing"] == ["worker"]
    assert down.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "down"}
    assert up.status_code == 200
    assert up.json()["checks"]["worker"] == "ok"


@pytest.mark.usefixtures("loop_runtime")
async def test_the_worker_heartbeat_beats_while_its_threads_live_and_leaves_on_stop(
    redis_client: Redis, settings: Settings
) -> None:
    from workers.heartbeat import heartbeat_until

    namespace = settings.queue_namespace
    stop = asyncio.Event()
    beating = asyncio.create_task(heartbeat_until(stop, threads_alive=lambda: True, worker_id="w9"))
    for _ in range(200):
        if alive := await alive_workers(redis_client, namespace):
            break
        await asyncio.sleep(0.05)
    [info] = alive
    stop.set()
    assert await asyncio.wait_for(beating, timeout=10) is True
    assert info["id"] == "w9"
    assert await alive_workers(redis_client, namespace) == []


@pytest.mark.usefixtures("loop_runtime")
async def test_a_worker_whose_threads_died_stops_beating_and_asks_to_stop(
    redis_client: Redis, settings: Settings
) -> None:
    from workers.heartbeat import heartbeat_until

    stop = asyncio.Event()
    healthy = await asyncio.wait_for(
        heartbeat_until(stop, threads_alive=lambda: False, worker_id="w9"), timeout=10
    )
    assert healthy is False
    assert stop.is_set()
    assert await alive_workers(redis_client, settings.queue_namespace) == []
