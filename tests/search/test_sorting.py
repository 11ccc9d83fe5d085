"""Sorts (Property 41), PostgreSQL backend: relevance is ts_rank (the orders every backend
keeps, and pages walking them, are in tests/search/contract/test_sorting.py)."""

from __future__ import annotations

import pytest

from app.catalog.models import Course
from app.db import Database
from tests.support.search import haskell_courses, reindex, search


@pytest.fixture
async def courses(database: Database) -> list[Course]:
    made = await haskell_courses(database)
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
