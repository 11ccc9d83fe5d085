"""Index synchronisation (Property 42) on every backend: a course change reaches the results
through the outbox relay and the `reindex_course` job; archiving and deleting take the course
out; repeated deliveries converge; a change made while the whole index is rebuilt is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.accounts.models import UserRole
from app.catalog import service as catalog
from app.db import Database
from app.outbox import OutboxEvent, relay_once
from app.search import service
from app.security.permissions import Actor
from tests.search.contract.conftest import Backend
from tests.support.search import course, found_ids, person

TOPIC = "catalog.course_changed"


@pytest.fixture
async def job(backend: Backend) -> AsyncIterator[None]:
    """The job builds its runtime (engine, Redis, the backend's settings) on the running loop;
    closed after the test."""
    from workers.runtime import close_runtime

    yield
    await close_runtime()


async def run_job(event: OutboxEvent) -> None:
    """The relay's dispatch, running the indexing job in-process instead of enqueueing it."""
    from workers.search import reindex_and_invalidate

    assert event.topic == TOPIC
    await reindex_and_invalidate(event.payload["course_id"])


async def test_property_42_an_edited_course_is_found_by_its_new_title_after_the_job(
    backend: Backend, database: Database, job: None
) -> None:
    owner = await person(database)
    edited = await course(database, owner, title="Elixir basics")
    await backend.reindex()
    async with database.transaction() as session:
        await catalog.update_course(
            session, actor=Actor.of(owner), course_id=edited.id, title="Erlang basics"
        )
    assert await found_ids(database, "erlang") == []  # not before the job ran

    assert await relay_once(database, run_job) == 1

    assert await found_ids(database, "erlang") == [edited.id]
    assert await found_ids(database, "elixir") == []


async def test_property_42_an_archived_course_leaves_the_results_after_the_job(
    backend: Backend, database: Database, job: None
) -> None:
    owner = await person(database)
    archived = await course(database, owner, title="Haxe games")
    await backend.reindex()
    async with database.transaction() as session:
        await catalog.archive_course(session, actor=Actor.of(owner), course_id=archived.id)

    assert await relay_once(database, run_job) == 1

    assert await found_ids(database, "haxe") == []


async def test_property_42_a_deleted_course_leaves_the_results_after_the_job(
    backend: Backend, database: Database, job: None
) -> None:
    owner = await person(database)
    admin = await person(database, role=UserRole.ADMIN)
    doomed = await course(database, owner, title="Fortran forever")
    kept = await course(database, owner, title="Fortran today")
    await backend.reindex()
    async with database.transaction() as session:
        await catalog.delete_course(session, actor=Actor.of(admin), course_id=doomed.id)

    assert await relay_once(database, run_job) == 1

    assert await found_ids(database, "fortran") == [kept.id]


async def test_repeated_and_reordered_deliveries_converge_on_the_course_as_it_is(
    backend: Backend, database: Database, job: None
) -> None:
    from workers.search import reindex_and_invalidate as reindex_course

    owner = await person(database, first="Barbara", last="Liskov")
    first = await course(database, owner, title="Clojure and Lisp")
    second = await course(database, owner, title="Lisp macros")
    for row in (first, second, first, second, first):
        await reindex_course(str(row.id))

    assert set(await found_ids(database, "lisp")) == {first.id, second.id}
    assert set(await found_ids(database, "liskov")) == {first.id, second.id}


async def test_a_change_indexed_while_the_whole_index_is_rebuilt_is_kept(
    backend: Backend, database: Database, job: None
) -> None:
    """The job and a full rebuild really race; whichever finishes last, the change stays."""
    from workers.search import reindex_and_invalidate as reindex_course

    owner = await person(database)
    others = [await course(database, owner, title=f"Ocaml part {n}") for n in range(20)]
    edited = await course(database, owner, title="Ocaml basics")
    await backend.reindex()
    async with database.transaction() as session:
        await catalog.update_course(
            session, actor=Actor.of(owner), course_id=edited.id, title="Reason basics"
        )

    await asyncio.gather(backend.reindex(), reindex_course(str(edited.id)))

    assert await found_ids(database, "reason") == [edited.id]
    assert set(await found_ids(database, "ocaml")) == {c.id for c in others}


async def test_numbers_changed_without_a_course_event_reach_the_sorts_after_the_periodic_refresh(
    backend: Backend, database: Database
) -> None:
    """Enrollment counts and scores change without `catalog.course_changed`; the scheduled
    `refresh_search_index` job (a no-op for PostgreSQL, which reads them live) catches up."""
    from sqlalchemy import update

    from app.catalog.models import Course
    from app.search.interface import SearchSort
    from workers.schedule import JOBS

    owner = await person(database)
    quiet = await course(database, owner, title="Zig one", enrollment_count=1)
    busy = await course(database, owner, title="Zig two", enrollment_count=5)
    await backend.reindex()
    async with database.transaction() as session:
        await session.execute(
            update(Course).where(Course.id == quiet.id).values(enrollment_count=9)
        )

    assert "refresh_search_index" in [job.name for job in JOBS]
    await service.refresh_search_index(database, backend.settings)

    assert await found_ids(database, "zig", sort=SearchSort.POPULARITY) == [quiet.id, busy.id]
