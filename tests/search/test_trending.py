"""Trending searches: the most searched lately first; searches that found nothing never trend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.analytics.models import SearchQuery
from app.catalog.filters import CourseFilterArgs
from app.db import Database, count_statements
from app.pagination import PageRequest
from app.search import service
from app.settings import get_settings
from tests.support.search import course, person, reindex, search


async def trending(database: Database, limit: int = 10) -> list[str]:
    return await service.trending_searches(database, get_settings(), limit=limit)


async def test_the_most_searched_queries_come_first(database: Database) -> None:
    owner = await person(database)
    for title in ("Go concurrency", "Rust ownership", "Zig comptime"):
        await course(database, owner, title=title)
    await reindex(database)
    for query, times in (("rust", 3), ("Go", 1), ("zig", 2)):
        for _ in range(times):
            await search(database, query)

    assert await trending(database) == ["rust", "zig", "go"]
    assert await trending(database, limit=2) == ["rust", "zig"]


async def test_searches_are_counted_once_per_search_not_per_page(database: Database) -> None:
    owner = await person(database)
    for n in range(3):
        await course(database, owner, title=f"Ocaml {n}")
    await reindex(database)
    first = await search(database, "  OCaml  ", first=1)
    await search(database, "ocaml", first=1, after=first.page.cursors[-1])

    async with database.session() as session:
        row = await session.get(SearchQuery, (await _id_of(database, "ocaml")))
    assert row is not None
    assert (row.count, row.results_count) == (1, 3)


async def test_queries_that_found_nothing_never_trend(database: Database) -> None:
    owner = await person(database)
    await course(database, owner, title="Julia numerics")
    await reindex(database)
    for _ in range(5):
        await search(database, "nothingmatchesthis")
    await search(database, "julia")

    assert await trending(database) == ["julia"]


async def test_a_misspelled_search_counts_under_its_correction(database: Database) -> None:
    owner = await person(database)
    await course(database, owner, title="Python basics")
    await reindex(database)
    await search(database, "pyhton")

    assert await trending(database) == ["python"]


async def test_a_burst_of_recent_searches_outranks_an_old_larger_count(database: Database) -> None:
    owner = await person(database)
    await course(database, owner, title="Perl scripting")
    await course(database, owner, title="Dart apps")
    await reindex(database)
    for _ in range(3):
        await search(database, "perl")
    await search(database, "dart")
    async with database.transaction() as session:
        await session.execute(
            update(SearchQuery)
            .where(SearchQuery.query == "perl")
            .values(count=40, first_searched_at=SearchQuery.first_searched_at - timedelta(days=60))
        )
        await session.execute(
            update(SearchQuery)
            .where(SearchQuery.query == "dart")
            .values(count=8, first_searched_at=SearchQuery.first_searched_at - timedelta(hours=2))
        )

    assert await trending(database) == ["dart", "perl"]


async def _id_of(database: Database, query: str) -> object:
    from sqlalchemy import select

    async with database.session() as session:
        return await session.scalar(select(SearchQuery.id).where(SearchQuery.query == query))


async def test_searches_made_at_once_are_each_counted(database: Database) -> None:
    """Each search is one atomic upsert (no transaction around it): searches racing for the same
    new term create its row once and all count."""
    await asyncio.gather(*(service.record_search(database, "  Racing TERM ", 7) for _ in range(25)))
    async with database.session() as session:
        rows = (
            await session.scalars(select(SearchQuery).where(SearchQuery.query == "racing term"))
        ).all()
    assert [(row.count, row.results_count) for row in rows] == [(25, 7)]


@pytest.mark.parametrize("with_facets", [True, False])
async def test_a_search_is_counted_with_what_it_found_with_or_without_facets(
    database: Database, with_facets: bool
) -> None:
    """With facets the count for trending rides on the facets statement (the total it found);
    without, it is a statement of its own (the page's results)."""
    owner = await person(database)
    for n in range(3):
        await course(database, owner, title=f"Elixir {n}")
    await reindex(database)
    with count_statements(database.engine) as counter:
        result = await service.search_courses(
            database,
            get_settings(),
            query="  ELIXIR ",
            filter_args=CourseFilterArgs(),
            request=PageRequest.create(first=2),
            with_facets=with_facets,
        )
    assert result.recorded == ("ELIXIR", 3 if with_facets else 2)
    assert counter.count == 2  # the page, then the facets with the count (or the count alone)
    async with database.session() as session:
        row = await session.scalar(select(SearchQuery).where(SearchQuery.query == "elixir"))
    assert row is not None
    assert (row.count, row.results_count) == (1, 3 if with_facets else 2)
