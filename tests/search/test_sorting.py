"""Sorts (Property 41), PostgreSQL backend: relevance is ts_rank (the orders every backend
keeps, and pages walking them, are in tests/search/contract/test_sorting.py)."""

from __future__ import annotations

import random

import pytest

from app.catalog.models import Course, CourseLevel
from app.db import Database
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
                level=rng.choice(list(CourseLevel)),
                language=rng.choice(["en", "de"]),
            )
        )
    await reindex(database)
    return made


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
