"""Searches of the OpenSearch backend through the real client against the local stand-in node
(which answers every search with every document it holds, scored alike: see
opensearch_standin.py): what the backend does with the hits — published courses only, in hit
order, cursor pages, trending counts, the correction round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from app.analytics.models import SearchQuery
from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Course, CourseStatus
from app.db import Database
from app.pagination import PageRequest
from app.search import service
from app.search.interface import SearchResult, SearchSort
from app.search.opensearch.client import close_clients
from app.settings import Settings, get_settings
from tests.search.opensearch_standin import standin
from tests.support.search import course, person


@pytest.fixture
async def settings_at_node() -> AsyncIterator[Settings]:
    async with standin() as (_, url):
        yield get_settings().model_copy(
            update={"search_backend": "opensearch", "opensearch_url": url}
        )
        await close_clients()


async def _search(
    database: Database,
    settings: Settings,
    *,
    first: int = 10,
    after: str | None = None,
    ids_only: bool = False,
) -> SearchResult:
    return await service.search_courses(
        database,
        settings,
        query="anything",
        filter_args=CourseFilterArgs(),
        request=PageRequest.create(first=first, after=after),
        sort=SearchSort.RELEVANCE,
        with_total=True,
        ids_only=ids_only,
    )


async def test_a_course_unpublished_before_its_job_ran_is_never_returned(
    database: Database, settings_at_node: Settings
) -> None:
    owner = await person(database)
    rows = [await course(database, owner, title=f"Go {n}") for n in range(3)]
    await service.reindex_backend(database, settings_at_node)
    async with database.transaction() as session:
        await session.execute(
            update(Course).where(Course.id == rows[0].id).values(status=CourseStatus.DRAFT)
        )

    result = await _search(database, settings_at_node)
    ids_page = (await _search(database, settings_at_node, ids_only=True)).page

    expected = sorted((r.id for r in rows[1:]), reverse=True)  # equal scores: id descending
    assert [c.id for c in result.page.items] == expected
    assert ids_page.items == expected
    assert ids_page.cursors == result.page.cursors


async def test_cursor_pages_walk_every_hit_once(
    database: Database, settings_at_node: Settings
) -> None:
    owner = await person(database)
    rows = [await course(database, owner, title=f"Lua {n}") for n in range(5)]
    await service.reindex_backend(database, settings_at_node)

    walked, after = [], None
    while True:
        page = (await _search(database, settings_at_node, first=2, after=after)).page
        walked += [c.id for c in page.items]
        assert page.total_count == 5
        if not page.has_next:
            break
        after = page.cursors[-1]

    assert walked == sorted((r.id for r in rows), reverse=True)


async def test_a_first_page_is_counted_for_trending_in_postgresql(
    database: Database, settings_at_node: Settings
) -> None:
    owner = await person(database)
    await course(database, owner, title="Dart")
    await service.reindex_backend(database, settings_at_node)

    result = await _search(database, settings_at_node)

    assert result.recorded == ("anything", 1)
    async with database.session() as session:
        counted = (await session.execute(select(SearchQuery.query, SearchQuery.count))).all()
    assert [tuple(r) for r in counted] == [("anything", 1)]


async def test_a_search_of_an_empty_index_asks_for_corrections_and_finds_nothing(
    database: Database, settings_at_node: Settings
) -> None:
    result = await _search(database, settings_at_node)

    assert result.page.items == []
    assert result.corrected_query is None
    assert result.facets is not None
    assert result.facets.total == 0


@pytest.mark.parametrize("ids_only", [False, True])
async def test_a_search_reads_postgresql_a_fixed_number_of_times_whatever_the_page_size(
    database: Database, settings_at_node: Settings, ids_only: bool
) -> None:
    from app.db import count_statements

    owner = await person(database)
    for n in range(12):
        await course(database, owner, title=f"Swift {n}")
    await service.reindex_backend(database, settings_at_node)
    counts = []
    for first in (1, 12):
        with count_statements(database.engine) as counter:
            result = await _search(database, settings_at_node, first=first, ids_only=ids_only)
        assert len(result.page.items) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]
