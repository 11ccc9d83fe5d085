"""Pooled connections are checked without a round trip per checkout (issue 12): a connection the
server closed is replaced before anyone uses it, a connection idle for a while is pinged, and a
busy pool's connections are handed out as they are (no ping per loader batch)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, bindparam, func, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

from app import db as db_module
from app.db import Database, DriverStatement, count_statements
from app.metrics import DB_STATEMENT_SECONDS
from app.observability import instrument_engine


@pytest.fixture
async def small_pool(service_urls: tuple[str, str]) -> AsyncIterator[Database]:
    """One pooled connection, so every session gets the same one back."""
    database = Database.from_url(service_urls[0], pool_size=1, max_overflow=0)
    yield database
    await database.dispose()


async def _backend(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.pg_backend_pid())) or 0)


async def _terminate(database: Database, pid: int) -> None:
    """Terminate the backend `pid` and wait until it is gone."""
    async with database.session() as session:
        assert await session.scalar(select(func.pg_terminate_backend(pid))) is True
    for _ in range(100):  # the driver sees the socket close once the loop reads it
        await asyncio.sleep(0.01)
        async with database.session() as session:
            gone = not await session.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
        if gone:
            break
    await asyncio.sleep(0.05)


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ping the driver adapter sends (it still sends it)."""
    sent: list[int] = []
    original = AsyncAdapt_asyncpg_connection.ping

    def counting(self: AsyncAdapt_asyncpg_connection) -> None:
        sent.append(1)
        original(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting)
    return sent


async def test_a_connection_the_server_terminated_is_replaced_before_a_request_uses_it(
    small_pool: Database, database: Database
) -> None:
    first = await _backend(small_pool)
    await _terminate(database, first)

    second = await _backend(small_pool)  # no error: a fresh connection

    assert second != first


async def test_a_busy_pool_hands_out_connections_without_pinging_them(
    small_pool: Database, pings: list[int]
) -> None:
    for _ in range(10):
        await _backend(small_pool)
    assert pings == []


async def test_a_connection_idle_for_a_while_is_pinged_first(
    small_pool: Database, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _backend(small_pool)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.05)
    await asyncio.sleep(0.1)

    await _backend(small_pool)
    await _backend(small_pool)  # used a moment ago: no ping

    assert pings == [1]


BACKEND = DriverStatement.of(
    text("SELECT pg_backend_pid(), CAST(:word AS text)").bindparams(
        bindparam("word", type_=String())
    )
)


async def test_driver_reads_are_counted_and_timed_like_every_statement(
    small_pool: Database,
) -> None:
    """`Database.fetch` goes straight to the driver (its own pool), yet the engine's cursor
    events see it: the statement counter of the N+1 budgets and the statement-time histogram of
    /metrics."""
    instrument_engine(small_pool.engine)
    timed = DB_STATEMENT_SECONDS._sum.get(), _observations()
    with count_statements(small_pool.engine) as counter:
        ((pid, word),) = await small_pool.fetch(BACKEND, {"word": "it's"})
    assert counter.statements == [BACKEND.sql]
    assert _observations() == timed[1] + 1
    assert DB_STATEMENT_SECONDS._sum.get() > timed[0]
    assert word == "it's"
    ((again, _),) = await small_pool.fetch(BACKEND, {"word": "b"})
    assert again == pid  # the driver's pooled connection, given back and used again


def _observations() -> float:
    return sum(
        sample.value
        for metric in DB_STATEMENT_SECONDS.collect()
        for sample in metric.samples
        if sample.name.endswith("_count")
    )


async def test_a_driver_read_after_the_server_terminated_its_connection_gets_a_fresh_one(
    small_pool: Database, database: Database
) -> None:
    ((first, _),) = await small_pool.fetch(BACKEND, {"word": "a"})
    await _terminate(database, first)

    ((second, _),) = await small_pool.fetch(BACKEND, {"word": "b"})

    assert second != first


async def test_driver_reads_need_no_round_trip_to_give_their_connection_back(
    small_pool: Database, database: Database
) -> None:
    """The driver's pool hands connections back without resetting them (a reset is a round
    trip per read; an autocommit read leaves nothing behind): the server sees only the reads."""
    ((pid, _),) = await small_pool.fetch(BACKEND, {"word": "a"})
    for word in ("b", "c"):
        ((again, _),) = await small_pool.fetch(BACKEND, {"word": word})
        assert again == pid
    async with database.session() as session:
        last = await session.scalar(
            text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
    assert last is not None
    assert "pg_backend_pid" in last  # not RESET ALL / UNLISTEN


async def test_disposing_the_database_closes_the_driver_pool(service_urls: tuple[str, str]) -> None:
    database = Database.from_url(service_urls[0], pool_size=2, max_overflow=0)
    ((pid, _),) = await database.fetch(BACKEND, {"word": "a"})
    await database.dispose()
    other = Database.from_url(service_urls[0], pool_size=1, max_overflow=0)
    try:
        for _ in range(100):
            async with other.session() as session:
                alive = await session.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                )
            if not alive:
                break
            await asyncio.sleep(0.01)
        assert not alive
    finally:
        await other.dispose()


async def test_a_driver_statement_keeps_its_constants_as_the_column_type_writes_them(
    database: Database,
) -> None:
    """A Core statement compiled for the driver: its bound literals (an enum, a list) travel as
    the column types convert them; its value-less `bindparam`s are the parameters."""
    from app.catalog.models import Course, CourseStatus

    statement = DriverStatement.of(
        select(func.count())
        .select_from(Course)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            Course.currency == func.any(bindparam("currencies")),
            Course.slug == bindparam("slug"),
        )
    )
    assert "published" in statement.constants.values()
    assert set(statement.names) - set(statement.constants) == {"currencies", "slug"}
    rows = await database.fetch(statement, {"currencies": ["USD"], "slug": "nothing-here"})
    assert rows[0][0] == 0


def test_a_driver_statement_refuses_an_expanding_in() -> None:
    from app.catalog.models import Course

    with pytest.raises(ValueError, match="expanding IN"):
        DriverStatement.of(select(Course.id).where(Course.currency.in_(["USD", "EUR"])))
