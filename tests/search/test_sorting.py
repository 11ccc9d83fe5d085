"""Sorts (Property 41): every order of search results, and keyset pages that walk them."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.models import Course
from app.db import Database
from app.search.interface import SearchSort
from tests.support.search import ago, course, person, reindex, search


@pytest.fixture
async def courses(database: Database) -> list[Course]:
    rng = random.Random(41)
    owner = await person(database)
    made = []
    for n in range(12):
        made.append(
            await course(
                database,
                owner,
                title=f"Haskell {'haskell ' * rng.randint(0, 2)}part {n}",
                description="haskell " * rng.randint(0, 3),
                tags=["haskell"] if rng.random() < 0.5 else [],
                enrollment_count=rng.choice([0, 5, 5, 40]),
                average_rating=rng.choice([None, 3.5, 4.5, 4.5]),
                review_count=rng.randint(0, 3),
                min_price_minor=rng.choice([0, 1999, 1999, 5000]),
                trending_score=rng.choice([0.0, 1.5, 7.25]),
                published_at=ago(rng.choice([1, 2, 2, 30])),
            )
        )
    await reindex(database)
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


async def test_property_41_relevance_is_the_default_and_orders_by_descending_rank(
    database: Database, courses: list[Course]
) -> None:
    from sqlalchemy import select

    from app.catalog.models import Course as CourseRow
    from app.search.postgres import relevance

    found = [c.id for c in (await search(database, "haskell")).page.items]
    async with database.session() as session:
        ranks = dict((await session.execute(select(CourseRow.id, relevance("haskell")))).all())
    assert [ranks[i] for i in found] == sorted((ranks[i] for i in found), reverse=True)


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
