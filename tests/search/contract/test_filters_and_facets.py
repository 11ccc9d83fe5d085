"""Filters (Property 39) and facet counts (Property 40) over a random catalog, on every backend,
checked against the same rules computed independently in Python."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Category, Course, CourseLevel, CourseStatus
from app.db import Database
from app.search.facets import band_of
from app.search.interface import Facets, FacetValue
from tests.search.contract.conftest import Backend
from tests.support.search import category, course, person, search

HYPOTHESIS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TAGS = ["python", "web", "sql"]


@dataclass
class Catalog:
    courses: list[tuple[Course, list[str]]]  # every course with its tags
    categories: list[Category]
    instructors: list[Any]


@pytest.fixture
async def catalog(backend: Backend, database: Database) -> Catalog:
    rng = random.Random(40)
    cats = [await category(database, f"Category {n}") for n in range(3)]
    people = [await person(database, last=f"Teacher{n}") for n in range(2)]
    made = []
    for n in range(30):
        free = rng.random() < 0.25
        tags = rng.sample(TAGS, rng.randint(0, 2))
        row = await course(
            database,
            rng.choice(people),
            title=("Kotlin " if rng.random() < 0.8 else "Scala ") + f"course {n}",
            tags=tags,
            status=CourseStatus.PUBLISHED if rng.random() < 0.85 else CourseStatus.DRAFT,
            category_id=rng.choice(cats).id if rng.random() < 0.9 else None,
            level=rng.choice(list(CourseLevel)),
            language=rng.choice(["en", "pt", "de"]),
            is_free=free,
            min_price_minor=0
            if free
            else rng.choice([999, 1999, 2000, 4999, 5000, 9999, 10000, 25000]),
            average_rating=rng.choice([None, 2.5, 3.0, 3.5, 3.9, 4.0, 4.4, 4.5, 5.0]),
        )
        made.append((row, tags))
    await backend.reindex()
    return Catalog(made, cats, people)


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "category": st.integers(0, 2),
        "level": st.sampled_from(list(CourseLevel)),
        "language": st.sampled_from(["en", "pt", "DE"]),
        "min_price_minor": st.sampled_from([0, 999, 2000, 5000]),
        "max_price_minor": st.sampled_from([1999, 4999, 9999, 100000]),
        "free": st.booleans(),
        "min_rating": st.sampled_from([0.0, 3.5, 4.0, 4.5]),
        "tag": st.sampled_from(TAGS),
        "instructor": st.integers(0, 1),
    },
).filter(lambda d: d.get("min_price_minor", 0) <= d.get("max_price_minor", 10**9))


def _args(catalog: Catalog, drawn: dict[str, Any]) -> CourseFilterArgs:
    values = dict(drawn)
    if "category" in values:
        values["category_id"] = catalog.categories[values.pop("category")].id
    if "instructor" in values:
        values["instructor_id"] = catalog.instructors[values.pop("instructor")].id
    return CourseFilterArgs(**values)


def _keeps(c: Course, tags: list[str], a: CourseFilterArgs) -> bool:
    rating = c.average_rating
    return (
        c.status == CourseStatus.PUBLISHED
        and c.title.startswith("Kotlin")
        and (a.category_id is None or c.category_id == a.category_id)
        and (a.level is None or c.level == a.level)
        and (a.language is None or c.language == a.language.lower())
        and (a.min_price_minor is None or c.min_price_minor >= a.min_price_minor)
        and (a.max_price_minor is None or c.min_price_minor <= a.max_price_minor)
        and (a.free is None or c.is_free == a.free)
        and (a.min_rating is None or (rating is not None and rating >= Decimal(str(a.min_rating))))
        and (a.tag is None or a.tag in tags)
        and (a.instructor_id is None or c.instructor_id == a.instructor_id)
    )


def _expected_facets(catalog: Catalog, kept: list[Course]) -> dict[str, dict[str, int]]:
    names = {c.id: c.name for c in catalog.categories}
    ratings = {
        t: sum(1 for c in kept if c.average_rating is not None and c.average_rating >= Decimal(t))
        for t in ("4.5", "4", "3.5", "3")
    }
    return {
        "categories": dict(Counter(names[c.category_id] for c in kept if c.category_id)),
        "levels": dict(Counter(CourseLevel(c.level).value.capitalize() for c in kept)),
        "languages": dict(Counter(c.language for c in kept)),
        "price_bands": dict(
            Counter(band_of(c.is_free, c.min_price_minor, c.currency).value for c in kept)
        ),
        "ratings": {f"{t} and up": n for t, n in ratings.items() if n},
    }


def _as_counts(facets: Facets) -> dict[str, dict[str, int]]:
    def counts(values: list[FacetValue], key: str = "label") -> dict[str, int]:
        return {getattr(v, key): v.count for v in values}

    return {
        "categories": counts(facets.categories),
        "levels": counts(facets.levels),
        "languages": counts(facets.languages),
        "price_bands": counts(facets.price_bands, "value"),
        "ratings": counts(facets.ratings),
    }


@HYPOTHESIS
@given(drawn=FILTERS)
async def test_property_39_every_result_matches_every_filter_and_no_match_is_missing(
    backend: Backend, catalog: Catalog, database: Database, drawn: dict[str, Any]
) -> None:
    args = _args(catalog, drawn)
    expected = {c.id for c, tags in catalog.courses if _keeps(c, tags, args)}

    result = await search(database, "kotlin", args)

    assert {c.id for c in result.page.items} == expected
    assert result.page.total_count == len(expected)


@HYPOTHESIS
@given(drawn=FILTERS)
async def test_property_40_facet_counts_equal_counts_over_the_whole_result_set(
    backend: Backend, catalog: Catalog, database: Database, drawn: dict[str, Any]
) -> None:
    args = _args(catalog, drawn)
    kept = [c for c, tags in catalog.courses if _keeps(c, tags, args)]

    result = await search(database, "kotlin", args, first=5)  # counts cover every page

    assert result.facets is not None
    assert result.facets.total == len(kept)
    assert _as_counts(result.facets) == _expected_facets(catalog, kept)


async def test_a_facet_value_used_as_a_filter_returns_exactly_its_count(
    backend: Backend, catalog: Catalog, database: Database
) -> None:
    result = await search(database, "kotlin")
    assert result.facets is not None
    for value in result.facets.categories:
        narrowed = await search(
            database, "kotlin", CourseFilterArgs(category_id=_uuid(value.value))
        )
        assert narrowed.page.total_count == value.count
    for value in result.facets.levels:
        narrowed = await search(database, "kotlin", CourseFilterArgs(level=value.value))
        assert narrowed.page.total_count == value.count


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(value)


async def test_price_bands_are_in_major_units_of_each_courses_own_currency(
    backend: Backend,
    database: Database,
) -> None:
    owner = await person(database)
    for currency, price in (("USD", 1999), ("KWD", 19_999), ("EUR", 5000), ("JPY", 1999)):
        await course(
            database,
            owner,
            title=f"Rust {currency}",
            min_price_minor=price,
            **{"currency": currency},
        )
    await backend.reindex()

    result = await search(database, "rust")

    assert result.facets is not None
    # 19.99 USD and 19.999 KWD are under 20, 50.00 EUR from 50, 1999 JPY from 100
    assert {v.value: v.count for v in result.facets.price_bands} == {
        "under_20": 2,
        "from_50_to_100": 1,
        "from_100": 1,
    }
    assert band_of(False, 1999, "JPY").value == "from_100"
    assert band_of(False, 19_999, "KWD").value == "under_20"
