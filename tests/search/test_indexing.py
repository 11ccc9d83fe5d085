"""Index synchronisation (Property 42): a course change reaches search through the outbox relay
and the `reindex_course` actor, idempotently, deleted courses included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.catalog import service as catalog
from app.catalog.models import Course
from app.db import Database
from app.integrations.cache import catalog_version
from app.outbox import OutboxEvent, emit, relay_once
from app.search.models import SearchDocument, SearchTerm
from app.security.permissions import Actor
from tests.support.search import course, found_ids, person, reindex

TOPIC = "catalog.course_changed"


@pytest.fixture
async def actor_runtime(database: Database) -> AsyncIterator[None]:
    """The actors build their runtime (engine, Redis) on the running loop; close it after."""
    from workers.runtime import close_runtime

    yield
    await close_runtime()


async def call_actor(event: OutboxEvent) -> None:
    """The relay's dispatch, running the actor function in-process instead of enqueueing it."""
    from workers.search import reindex_and_invalidate

    assert event.topic == TOPIC
    await reindex_and_invalidate(event.payload["course_id"])


async def vocabulary(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(select(SearchTerm.term, SearchTerm.frequency))
        return dict(rows.all())


async def test_property_42_an_edited_course_is_found_by_its_new_title_after_the_relay(
    database: Database, actor_runtime: None
) -> None:
    owner = await person(database)
    edited = await course(database, owner, title="Elixir basics")
    await reindex(database)
    async with database.transaction() as session:
        await catalog.update_course(
            session, actor=Actor.of(owner), course_id=edited.id, title="Erlang basics"
        )
    assert await found_ids(database, "erlang") == []  # not before the event is handled

    assert await relay_once(database, call_actor) == 1

    assert await found_ids(database, "erlang") == [edited.id]
    assert await found_ids(database, "elixir") == []
    assert "erlang" in await vocabulary(database)
    assert "elixir" not in await vocabulary(database)


async def test_a_deleted_course_leaves_the_results_and_the_vocabulary(
    database: Database, actor_runtime: None
) -> None:
    owner = await person(database)
    doomed = await course(database, owner, title="Fortran forever", tags=["numerics"])
    kept = await course(database, owner, title="Fortran today")
    await reindex(database)
    async with database.transaction() as session:
        await session.execute(delete(Course).where(Course.id == doomed.id))
        await emit(session, TOPIC, {"course_id": str(doomed.id), "change": "deleted"})

    assert await relay_once(database, call_actor) == 1

    assert await found_ids(database, "fortran") == [kept.id]
    words = await vocabulary(database)
    assert words["fortran"] == 1
    assert not {"numerics", "forever"} & set(words)
    async with database.session() as session:
        assert await session.get(SearchDocument, doomed.id) is None


async def test_reindexing_is_idempotent_and_agrees_with_a_full_rebuild(
    database: Database, actor_runtime: None
) -> None:
    from workers.search import reindex_and_invalidate as reindex_course

    owner = await person(database, first="Barbara", last="Liskov")
    first = await course(database, owner, title="Clojure and Lisp", tags=["functional"])
    second = await course(database, owner, title="Lisp macros")
    for row in (first, second, first, second, first):  # duplicated, reordered deliveries
        await reindex_course(str(row.id))
    incremental = await vocabulary(database)

    await reindex(database)

    assert incremental == await vocabulary(database)
    assert (incremental["lisp"], incremental["liskov"]) == (2, 2)


async def test_handling_a_change_invalidates_the_cached_catalog(
    database: Database, redis_client: Any, actor_runtime: None
) -> None:
    from workers.search import reindex_and_invalidate as reindex_course

    owner = await person(database)
    row = await course(database, owner, title="Cobol")
    before = await catalog_version(redis_client)
    await reindex_course(str(row.id))
    assert await catalog_version(redis_client) == before + 1


# --- through Dramatiq --------------------------------------------------------------------------


async def test_property_42_a_change_travels_outbox_relay_broker_and_actor_into_the_index(
    database: Database, worker: Any
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    owner = await person(database)
    row = await course(database, owner, title="Prolog logic")
    async with database.transaction() as session:
        await emit(session, TOPIC, {"course_id": str(row.id), "change": "published"})

    assert await relay_once(database, dispatch) == 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    assert await found_ids(database, "prolog") == [row.id]


async def test_a_removed_course_is_not_found_until_it_is_indexed_again(database: Database) -> None:
    from app.search.postgres import PostgresSearch

    owner = await person(database)
    row = await course(database, owner, title="Pascal classics")
    backend = PostgresSearch(database)
    await backend.index_course(row.id)

    await backend.remove_course(row.id)
    assert await found_ids(database, "pascal") == []
    assert "pascal" not in await vocabulary(database)

    await backend.index_course(row.id)
    assert await found_ids(database, "pascal") == [row.id]
