"""Recording learning events costs a request nothing: `record_event` only buffers; the flusher
writes batches with one INSERT each, on a timer, when a batch is full and on shutdown; a rolled
back transaction records nothing; an unreachable database never grows the buffer past its bound."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update

from app.accounts.models import User
from app.analytics import EventType, record_event
from app.analytics.recorder import BUFFER, EventBuffer, EventFlusher, RecordedEvent
from app.clock import frozen, utcnow
from app.db import Database, count_statements
from app.main import create_app
from app.settings import Settings
from tests.support import learning
from tests.support.accounts import make_user
from tests.support.api import serve
from tests.support.catalog import gid, token_for
from tests.support.events import flush, flushed, shape, stored
from tests.support.graphql import GraphQLClient

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def inserts(statements: list[str]) -> list[str]:
    return [s for s in statements if "analytics_events" in s]


def dropped(reason: str) -> float:
    value = REGISTRY.get_sample_value("easyways_analytics_events_dropped_total", {"reason": reason})
    return value or 0.0


async def test_recorded_events_reach_the_table_only_when_flushed(database: Database) -> None:
    user = await learning.person(database)
    course_id, lesson_id = uuid.uuid4(), uuid.uuid4()
    with frozen(AT):
        record_event(
            EventType.VIDEO_WATCHED,
            user_id=user.id,
            course_id=course_id,
            entity_type="lesson",
            entity_id=lesson_id,
            properties={"seconds": 42},
        )
    assert await stored(database) == []

    assert await flush(database) == 1

    [event] = await stored(database)
    assert shape(event) == ("video.watched", user.id, course_id, "lesson", lesson_id)
    assert (event.properties, event.occurred_at) == ({"seconds": 42}, AT)


async def test_a_mutation_that_records_events_runs_no_statement_for_them(
    database: Database,
) -> None:
    course = await learning.free_course(database)
    _, enrollment = await learning.student_in(database, course)
    lesson = (await learning.lessons_of(database, course.id))[0]
    BUFFER.discard("test")  # the enrollment's own event

    with count_statements(database.engine) as counter:
        await learning.complete(database, enrollment, lesson.id)

    assert inserts(counter.statements) == []
    assert len(BUFFER) == 2  # viewed and completed, waiting for the flusher
    types = [e.event_type for e in await flushed(database)]
    assert types == ["lesson.viewed", "lesson.completed"]


async def test_a_graphql_mutation_answers_before_its_events_are_written(
    client: GraphQLClient, database: Database
) -> None:
    course = await learning.free_course(database)
    student, _ = await learning.student_in(database, course)
    lesson = (await learning.lessons_of(database, course.id))[0]
    BUFFER.discard("test")

    with count_statements(database.engine) as counter:
        outcome = await client.mutate(
            "completeLesson",
            {"lessonId": gid("Lesson", lesson.id)},
            "lessonProgress { status }",
            token=token_for(client, student),
        )

    assert outcome.payload("completeLesson")["errors"] == []
    assert inserts(counter.statements) == []
    assert await stored(database) == []
    assert {e.event_type for e in await flushed(database)} == {"lesson.viewed", "lesson.completed"}


@pytest.mark.parametrize(("events", "batch_size", "statements"), [(7, 500, 1), (7, 3, 3)])
async def test_a_batch_is_written_with_one_statement(
    database: Database, events: int, batch_size: int, statements: int
) -> None:
    for _ in range(events):
        record_event(EventType.SEARCH_PERFORMED, user_id=None, properties={"query": "sql"})

    with count_statements(database.engine) as counter:
        await flush(database, batch_size=batch_size)

    assert len(inserts(counter.statements)) == statements
    assert len(await stored(database)) == events


async def test_the_buffer_is_written_when_the_flusher_stops(database: Database) -> None:
    flusher = EventFlusher(database, interval=3600)  # its timer never fires here
    flusher.start()
    record_event(EventType.USER_SIGNED_IN, user_id=None)
    record_event(EventType.USER_SIGNED_IN, user_id=None)

    await flusher.stop()

    assert len(await stored(database)) == 2
    assert len(BUFFER) == 0


async def test_the_api_writes_buffered_events_on_shutdown(
    database: Database, service_urls: tuple[str, str]
) -> None:
    async with serve(create_app(Settings(analytics_events_flush_seconds=60))):
        record_event(EventType.SEARCH_PERFORMED, user_id=None, properties={"query": "go"})
        assert await stored(database) == []

    [event] = await stored(database)
    assert event.properties == {"query": "go"}


class WatchedFlusher(EventFlusher):
    """Says when a flush wrote something."""

    written = asyncio.Event()

    async def flush(self) -> int:
        count = await super().flush()
        if count:
            self.written.set()
        return count


async def test_a_full_batch_is_written_without_waiting_for_the_timer(database: Database) -> None:
    stop = asyncio.Event()
    flusher = WatchedFlusher(database, interval=3600, batch_size=3)
    flusher.written = asyncio.Event()
    running = asyncio.create_task(flusher.run(stop))
    await asyncio.sleep(0)  # the flusher is waiting on its (hour-long) timer
    try:
        for _ in range(3):
            record_event(EventType.USER_SIGNED_IN, user_id=None)
        await asyncio.wait_for(flusher.written.wait(), timeout=10)
    finally:
        stop.set()
        await running
    assert len(await stored(database)) == 3


async def test_a_rolled_back_transaction_records_nothing(database: Database) -> None:
    async def failing_mutation() -> None:
        async with database.transaction() as session:
            await session.connection()
            record_event(EventType.USER_SIGNED_IN, user_id=None, session=session)
            raise RuntimeError("the mutation failed")

    with pytest.raises(RuntimeError):
        await failing_mutation()

    assert len(BUFFER) == 0


async def test_an_event_waits_for_its_transaction_to_commit(database: Database) -> None:
    async with database.transaction() as session:
        await session.connection()
        record_event(EventType.USER_SIGNED_IN, user_id=None, session=session)
        assert len(BUFFER) == 0

    assert len(BUFFER) == 1


async def test_an_event_of_a_rolled_back_savepoint_is_forgotten(database: Database) -> None:
    async with database.transaction() as session:
        await session.connection()
        record_event(EventType.ENROLLMENT_CREATED, user_id=None, session=session)

        async def failing_savepoint() -> None:
            async with session.begin_nested():
                record_event(EventType.PURCHASE_COMPLETED, user_id=None, session=session)
                raise RuntimeError("this course could not be opened")

        with pytest.raises(RuntimeError):
            await failing_savepoint()
        async with session.begin_nested():
            record_event(EventType.LESSON_VIEWED, user_id=None, session=session)
        assert len(BUFFER) == 0

    assert [e.event_type for e in BUFFER.take(10)] == ["enrollment.created", "lesson.viewed"]


async def test_an_unreachable_database_keeps_events_buffered_up_to_the_bound() -> None:
    offline = Database.from_url("postgresql://postgres@127.0.0.1:9/none", pool_size=2)
    buffer = EventBuffer(capacity=5)
    before = dropped("buffer_full")
    try:
        buffer.extend(_events(4))
        assert await EventFlusher(offline, buffer=buffer, batch_size=3).flush() == 0
        assert len(buffer) == 4  # kept for the next try, in order

        buffer.extend(_events(3))
    finally:
        await offline.dispose()

    assert len(buffer) == 5
    assert dropped("buffer_full") - before == 2


def _events(count: int) -> list[RecordedEvent]:
    return [
        RecordedEvent(uuid.uuid4(), "user.signed_in", None, None, None, None, "{}", None, AT)
        for _ in range(count)
    ]


async def test_an_unknown_event_type_fails_where_it_is_recorded() -> None:
    with pytest.raises(ValueError, match=r"lesson\.skipped"):
        record_event("lesson.skipped", user_id=None)
    assert len(BUFFER) == 0


async def test_an_event_of_a_user_deleted_before_the_flush_keeps_no_user(
    database: Database,
) -> None:
    ghost = uuid.uuid4()  # no such user (any more)
    record_event(EventType.USER_SIGNED_IN, user_id=ghost)

    await flush(database)

    [event] = await stored(database)
    assert event.user_id is None


async def test_an_event_of_a_user_erased_before_the_flush_is_written_as_erasure_leaves_them(
    database: Database,
) -> None:
    """GDPR: an event still buffered when its user is erased must not bring the user back."""
    learner = await make_user(database)
    kept = await make_user(database)
    record_event(
        EventType.SEARCH_PERFORMED, user_id=learner.id, properties={"query": "x", "results": 1}
    )
    record_event(
        EventType.SEARCH_PERFORMED, user_id=kept.id, properties={"query": "y", "results": 2}
    )
    async with database.transaction() as session:
        await session.execute(update(User).where(User.id == learner.id).values(deleted_at=utcnow()))

    await flush(database)

    written = {e.properties.get("query"): e for e in await stored(database)}
    assert [(e.user_id, e.properties, e.request_id) for e in written.values()].count(
        (None, {}, None)
    ) == 1
    assert written["y"].user_id == kept.id
    assert written["y"].properties == {"query": "y", "results": 2}


async def test_events_recorded_from_many_threads_at_once_are_all_written_once(
    database: Database,
) -> None:
    threads, each = 8, 250
    start = threading.Barrier(threads)

    def record_many() -> list[uuid.UUID]:
        start.wait()  # every thread records at the same moment
        return [record_event(EventType.USER_SIGNED_IN, user_id=None) for _ in range(each)]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        loop = asyncio.get_running_loop()
        recorded = await asyncio.gather(
            *(loop.run_in_executor(pool, record_many) for _ in range(threads))
        )

    await flush(database)
    written = {e.id for e in await stored(database)}
    assert written == {event_id for ids in recorded for event_id in ids}
    assert len(written) == threads * each
