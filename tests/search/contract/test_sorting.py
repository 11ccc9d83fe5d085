"""Sorts (Property 41) on every backend: every order of search results, and keyset pages that
walk them in either direction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Course
from app.db import Database
from app.pagination import InvalidPageRequest, Page, PageRequest
from app.search import service
from app.search.interface import SearchSort
from app.settings import get_settings
from tests.search.contract.conftest import Backend
from tests.support.search import haskell_courses, search


@pytest.fixture
async def courses(backend: Backend, database: Database) -> list[Course]:
    made = await haskell_courses(database)
    await backend.reindex()
    return made


def _key(sort: SearchSort, c: Course) -> tuple[object, ...]:
    """The documented order, written out in Python (ties broken by id, same direction)."""
    rating = c.average_rating if c.average_rating is not None else Decimal(0)
    keys = {
        SearchSort.POPULARITY: (-c.enrollment_count,),
        SearchSort.RATING: (-rating, -c.review_count),
        SearchSort.NEWEST: (-(c.published_at.timestamp()),),  # type: ignore[union-attr]
        SearchSort.PRICE_ASC: (c.min_price_minor,),
        SearchSort.PRICE_DESC: (-c.min_price_minor,),
        SearchSort.TRENDING: (-c.trending_score,),
    }
    return keys[sort]


@pytest.mark.parametrize("sort", [s for s in SearchSort if s is not SearchSort.RELEVANCE])
async def test_property_41_results_follow_the_chosen_sort(
    database: Database, courses: list[Course], sort: SearchSort
) -> None:
    found = (await search(database, "haskell", sort=sort)).page.items
    assert len(found) == len(courses)
    keys = [_key(sort, c) for c in found]
    assert keys == sorted(keys)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sort=st.sampled_from(list(SearchSort)), size=st.integers(1, 5))
async def test_keyset_pages_walk_every_result_once_in_order(
    database: Database, courses: list[Course], sort: SearchSort, size: int
) -> None:
    whole = [c.id for c in (await search(database, "haskell", sort=sort)).page.items]
    walked, after = [], None
    while True:
        page = (await search(database, "haskell", sort=sort, first=size, after=after)).page
        walked += [c.id for c in page.items]
        if not page.has_next:
            break
        after = page.cursors[-1]
    assert walked == whole


FILTERS = [
    CourseFilterArgs(),
    CourseFilterArgs(tag=" HASKELL "),
    CourseFilterArgs(min_rating=4.0, free=False),
    CourseFilterArgs(min_price_minor=1000, max_price_minor=2000, price_currency="USD"),
    CourseFilterArgs(level="beginner", language="EN"),
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sort=st.sampled_from(list(SearchSort)),
    filter_args=st.sampled_from(FILTERS),
    size=st.integers(1, 5),
    backwards=st.booleans(),
)
async def test_property_41_an_ids_page_walks_as_the_rows_page_does(
    database: Database,
    courses: list[Course],
    sort: SearchSort,
    filter_args: CourseFilterArgs,
    size: int,
    backwards: bool,
) -> None:
    """The page of ids a planned read asks for (one statement through the driver, compiled once
    per sort, filters and cursors) lists the courses of the page of rows, with the same cursors
    and page flags, page after page in either direction; the total is the same too."""

    async def page(ids_only: bool, cursor: str | None) -> Page[Any]:
        request = (
            PageRequest.create(last=size, before=cursor)
            if backwards
            else PageRequest.create(first=size, after=cursor)
        )
        result = await service.search_courses(
            database,
            get_settings(),
            query="haskell",
            filter_args=filter_args,
            request=request,
            sort=sort,
            with_total=True,
            with_facets=False,
            ids_only=ids_only,
        )
        return result.page

    cursor, pages = None, 0
    while True:
        rows, ids = await page(False, cursor), await page(True, cursor)
        assert ids.items == [c.id for c in rows.items]
        assert (ids.cursors, ids.has_next, ids.has_previous, ids.total_count) == (
            rows.cursors,
            rows.has_next,
            rows.has_previous,
            rows.total_count,
        )
        pages += 1
        if not (ids.has_previous if backwards else ids.has_next):
            break
        cursor = ids.cursors[0] if backwards else ids.cursors[-1]
    assert pages >= 1


@pytest.mark.parametrize("ids_only", [False, True])
async def test_a_cursor_of_another_sort_is_refused_by_either_page(
    database: Database, courses: list[Course], ids_only: bool
) -> None:
    rating_cursor = (await search(database, "haskell", sort=SearchSort.RATING, first=1)).page
    with pytest.raises(InvalidPageRequest, match="after"):
        await service.search_courses(
            database,
            get_settings(),
            query="haskell",
            filter_args=CourseFilterArgs(),
            request=PageRequest.create(first=2, after=rating_cursor.cursors[0]),
            sort=SearchSort.NEWEST,
            ids_only=ids_only,
        )


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sort=st.sampled_from(list(SearchSort)), size=st.integers(1, 5))
async def test_property_41_pages_read_backwards_from_the_end_list_the_same_order(
    database: Database, courses: list[Course], sort: SearchSort, size: int
) -> None:
    whole = [c.id for c in (await search(database, "haskell", sort=sort)).page.items]
    walked: list[Any] = []
    before = None
    while True:
        result = await service.search_courses(
            database,
            get_settings(),
            query="haskell",
            filter_args=CourseFilterArgs(),
            request=PageRequest.create(last=size, before=before),
            sort=sort,
        )
        walked = [c.id for c in result.page.items] + walked
        if not result.page.has_previous:
            break
        before = result.page.cursors[0]
    assert walked == whole
