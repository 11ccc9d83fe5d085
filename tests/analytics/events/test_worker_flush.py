"""A worker process writes the learning events its actors recorded last when it stops: after
its Dramatiq threads ended, on their event loop, before that loop's connections are closed."""

from __future__ import annotations

import asyncio
from typing import Any

from app.analytics import EventType, record_event
from app.analytics.recorder import BUFFER
from app.db import Database
from tests.support.events import stored


async def test_a_stopping_worker_writes_what_its_actors_left_buffered(
    database: Database, service_urls: tuple[str, str]
) -> None:
    import dramatiq

    import workers

    running: Any = dramatiq.Worker(workers.broker.broker, worker_timeout=50, worker_threads=1)
    running.start()
    record_event(EventType.SEARCH_PERFORMED, user_id=None, properties={"query": "rust"})
    assert await stored(database) == []

    await asyncio.to_thread(running.stop)

    [event] = await stored(database)
    assert event.properties == {"query": "rust"}
    assert len(BUFFER) == 0


async def test_the_worker_main_loop_writes_buffered_events_when_it_stops(
    database: Database, service_urls: tuple[str, str]
) -> None:
    import dramatiq

    import workers
    from workers.process import run_until

    running: Any = dramatiq.Worker(workers.broker.broker, worker_timeout=50, worker_threads=1)
    running.start()
    stop = asyncio.Event()
    try:
        main = asyncio.create_task(run_until(stop, worker=running))
        record_event(EventType.USER_SIGNED_IN, user_id=None)
        stop.set()
        await asyncio.wait_for(main, timeout=60)

        assert [e.event_type for e in await stored(database)] == ["user.signed_in"]
    finally:
        await asyncio.to_thread(running.stop)
