"""The OpenSearch index writes through the real opensearch-py client against a local stand-in
node (opensearch_standin.py): the indexing job (Property 42), its dual write during a reindex,
the zero-downtime reindex by alias swap and the periodic refresh."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.catalog.models import CourseStatus
from app.db import Database
from app.search import service
from app.search.opensearch.backend import OpenSearchSearch
from app.search.opensearch.client import close_clients
from app.search.opensearch.mapping import alias_name, building_alias, index_body
from app.settings import Settings, get_settings
from tests.search.opensearch_standin import Node, standin
from tests.support.search import course, person

PREFIX = "shop"
ALIAS = alias_name(PREFIX)


@pytest.fixture
async def node() -> AsyncIterator[tuple[Node, Settings]]:
    async with standin() as (running, url):
        settings = get_settings().model_copy(
            update={
                "search_backend": "opensearch",
                "opensearch_url": url,
                "opensearch_index_prefix": PREFIX,
            }
        )
        try:
            yield running, settings
        finally:
            await close_clients()


def live(node: Node) -> str:
    (name,) = node.alias_of(ALIAS)
    return name


async def test_property_42_the_job_writes_a_published_course_and_creates_the_first_index(
    database: Database, node: tuple[Node, Settings]
) -> None:
    running, settings = node
    owner = await person(database)
    row = await course(database, owner, title="Elixir basics", tags=["beam"])

    await service.reindex_course(database, settings, row.id)

    docs = running.documents(live(running))
    assert list(docs) == [str(row.id)]
    assert (docs[str(row.id)]["title"], docs[str(row.id)]["tags"]) == ("Elixir basics", ["beam"])
    assert running.indices[live(running)].properties is not None  # our mapping, not a guess


async def test_property_42_an_archived_or_deleted_course_is_deleted_from_the_index(
    database: Database, node: tuple[Node, Settings]
) -> None:
    from sqlalchemy import delete, update

    from app.catalog.models import Course

    running, settings = node
    owner = await person(database)
    archived = await course(database, owner, title="Haxe")
    deleted = await course(database, owner, title="Fortran")
    for row in (archived, deleted):
        await service.reindex_course(database, settings, row.id)
    async with database.transaction() as session:
        await session.execute(
            update(Course).where(Course.id == archived.id).values(status=CourseStatus.ARCHIVED)
        )
        await session.execute(delete(Course).where(Course.id == deleted.id))

    for row in (archived, deleted):
        await service.reindex_course(database, settings, row.id)

    assert running.documents(live(running)) == {}


async def test_a_later_read_of_a_course_always_wins_over_an_earlier_one(
    database: Database, node: tuple[Node, Settings]
) -> None:
    """Each write carries the time of its read as an external version: a redelivered, older
    job cannot put back what a newer one wrote."""
    from app.search.opensearch.client import client_for
    from app.search.opensearch.documents import read_documents
    from app.search.opensearch.index import bulk_actions, failures

    running, settings = node
    owner = await person(database)
    row = await course(database, owner, title="Old title")
    async with database.session() as session:
        (stale,) = await read_documents(session, [row.id])
    async with database.transaction() as session:
        from sqlalchemy import update

        from app.catalog.models import Course

        await session.execute(update(Course).where(Course.id == row.id).values(title="New title"))
    await service.reindex_course(database, settings, row.id)

    response = await client_for(settings).bulk(body=bulk_actions([ALIAS], [stale], []))

    assert failures(response) == []  # the refused older version is not an error
    assert running.documents(live(running))[str(row.id)]["title"] == "New title"


async def test_while_a_reindex_builds_an_index_the_job_writes_to_it_too(
    database: Database, node: tuple[Node, Settings]
) -> None:
    from app.search.opensearch.client import client_for

    running, settings = node
    owner = await person(database)
    first = await course(database, owner, title="Ocaml")
    await service.reindex_course(database, settings, first.id)
    building = f"{ALIAS}-20991231000000000000"
    await client_for(settings).indices.create(
        index=building, body={**index_body(), "aliases": {building_alias(PREFIX): {}}}
    )
    second = await course(database, owner, title="Reason")

    await service.reindex_course(database, settings, second.id)

    assert set(running.documents(live(running))) == {str(first.id), str(second.id)}
    assert set(running.documents(building)) == {str(second.id)}


async def test_reindex_loads_every_published_course_then_swaps_the_alias_and_drops_old_indices(
    database: Database, node: tuple[Node, Settings]
) -> None:
    running, settings = node
    owner = await person(database)
    kept = [await course(database, owner, title=f"Zig {n}") for n in range(3)]
    draft = await course(database, owner, title="Draft", status=CourseStatus.DRAFT)
    for row in (*kept, draft):
        await service.reindex_course(database, settings, row.id)
    old = live(running)
    running.indices[old].docs["stale"] = (1, {"id": "stale"})  # a course the index missed losing

    message = await service.reindex_backend(database, settings)

    new = live(running)
    assert new != old
    assert old not in running.indices
    assert set(running.documents(new)) == {str(c.id) for c in kept}
    assert running.alias_of(building_alias(PREFIX)) == {}
    assert running.indices[new].aliases[ALIAS] == {"is_write_index": True}
    assert message.startswith(f"OpenSearch index {new}: 3 courses")
    swaps = [r for r in running.requests if r == ("POST", "/_aliases")]
    assert len(swaps) == 1  # one atomic call moves the alias


async def test_the_periodic_refresh_rewrites_every_published_course(
    database: Database, node: tuple[Node, Settings]
) -> None:
    from sqlalchemy import update

    from app.catalog.models import Course

    running, settings = node
    owner = await person(database)
    rows = [await course(database, owner, title=f"Nim {n}") for n in range(2)]
    for row in rows:
        await service.reindex_course(database, settings, row.id)
    async with database.transaction() as session:
        await session.execute(update(Course).values(enrollment_count=42))

    assert await service.refresh_search_index(database, settings) == 2

    docs = running.documents(live(running))
    assert [docs[str(r.id)]["enrollment_count"] for r in rows] == [42, 42]


async def test_remove_course_deletes_it_from_every_index_written_to(
    database: Database, node: tuple[Node, Settings]
) -> None:
    running, settings = node
    owner = await person(database)
    row = await course(database, owner, title="Pascal")
    backend = OpenSearchSearch(database, settings)
    await backend.index_course(row.id)

    await backend.remove_course(row.id)

    assert running.documents(live(running)) == {}
