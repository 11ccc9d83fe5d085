"""The transactional outbox: events are handed on after commit, exactly once, never blocking."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.db import Database
from app.outbox import (
    OutboxEvent,
    backoff_seconds,
    emit,
    purge_dispatched,
    relay_once,
    run_relay,
)


class Recorder:
    def __init__(self, fail_topics: frozenset[str] = frozenset()) -> None:
        self.seen: list[uuid.UUID] = []
        self.fail_topics = fail_topics

    async def __call__(self, event: OutboxEvent) -> None:
        await asyncio.sleep(0)  # let a racing relay interleave
        if event.topic in self.fail_topics:
            raise RuntimeError(f"cannot dispatch {event.topic}")
        self.seen.append(event.id)


async def emit_committed(db: Database, topic: str = "test.topic", n: int = 1) -> list[uuid.UUID]:
    async with db.transaction() as session:
        return [await emit(session, topic, {"n": i}) for i in range(n)]


async def load(db: Database, event_id: uuid.UUID) -> OutboxEvent:
    async with db.session() as session:
        event = await session.get(OutboxEvent, event_id)
        assert event is not None
        return event


async def test_an_event_emitted_in_a_rolled_back_transaction_is_never_dispatched(
    database: Database,
) -> None:
    class Abort(Exception):
        pass

    async def emit_then_fail() -> None:
        async with database.transaction() as session:
            await emit(session, "test.topic", {"x": 1})
            raise Abort

    with pytest.raises(Abort):
        await emit_then_fail()
    recorder = Recorder()
    assert await relay_once(database, recorder) == 0
    assert recorder.seen == []
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


async def test_a_committed_event_is_dispatched_exactly_once(database: Database) -> None:
    [event_id] = await emit_committed(database)
    recorder = Recorder()
    assert await relay_once(database, recorder) == 1
    assert await relay_once(database, recorder) == 0
    assert recorder.seen == [event_id]
    assert (await load(database, event_id)).dispatched_at is not None


async def test_events_are_dispatched_in_the_order_they_were_emitted(database: Database) -> None:
    ids = await emit_committed(database, n=5)
    recorder = Recorder()
    await relay_once(database, recorder)
    assert recorder.seen == ids


async def test_two_racing_relays_never_dispatch_an_event_twice(database: Database) -> None:
    ids = await emit_committed(database, n=60)
    recorder = Recorder()
    totals = await asyncio.gather(*(relay_once(database, recorder, batch=7) for _ in range(12)))
    while await relay_once(database, recorder, batch=7):
        pass
    assert sum(totals) <= len(ids)
    assert sorted(recorder.seen) == sorted(ids)
    assert len(set(recorder.seen)) == len(recorder.seen)


async def test_a_failing_dispatch_backs_off_without_blocking_other_events(
    database: Database,
) -> None:
    [bad] = await emit_committed(database, "bad.topic")
    [good] = await emit_committed(database, "good.topic")
    recorder = Recorder(fail_topics=frozenset({"bad.topic"}))

    assert await relay_once(database, recorder) == 1
    assert recorder.seen == [good]
    failed = await load(database, bad)
    assert failed.dispatched_at is None
    assert failed.attempts == 1
    assert failed.last_error == "RuntimeError: cannot dispatch bad.topic"
    assert failed.available_at > failed.created_at

    assert await relay_once(database, recorder) == 0  # not due yet: backing off


async def test_a_failed_event_is_retried_once_its_backoff_has_passed(database: Database) -> None:
    [event_id] = await emit_committed(database, "flaky.topic")
    await relay_once(database, Recorder(fail_topics=frozenset({"flaky.topic"})))
    async with database.transaction() as session:  # let the backoff elapse
        await session.execute(
            update(OutboxEvent).values(available_at=func.now() - timedelta(seconds=1))
        )
    recorder = Recorder()
    assert await relay_once(database, recorder) == 1
    assert recorder.seen == [event_id]
    assert (await load(database, event_id)).attempts == 1


def test_backoff_grows_exponentially_and_is_capped() -> None:
    delays = [backoff_seconds(n) for n in (*range(1, 15), 5000)]
    assert delays[:4] == [1, 2, 4, 8]
    assert delays == sorted(delays)
    assert max(delays) == 600


async def test_dispatched_events_older_than_the_retention_are_purged(database: Database) -> None:
    old, recent = await emit_committed(database, n=2)
    await relay_once(database, Recorder())
    [pending] = await emit_committed(database)
    async with database.transaction() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == old)
            .values(dispatched_at=func.now() - timedelta(days=8))
        )
    assert await purge_dispatched(database, older_than=timedelta(days=7)) == 1
    async with database.session() as session:
        left = set(await session.scalars(select(OutboxEvent.id)))
    assert left == {recent, pending}


async def test_run_relay_hands_on_events_until_stopped(database: Database) -> None:
    stop = asyncio.Event()
    recorder = Recorder()
    task = asyncio.create_task(run_relay(database, recorder, stop=stop, interval=0.05))
    ids = await emit_committed(database, n=3)
    for _ in range(100):
        if len(recorder.seen) == 3:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert recorder.seen == ids
