"""Course filters and sorts on real rows (app.catalog.filters through app.catalog.reads)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from app.catalog import reads
from app.catalog.filters import (
    SORTS,
    CourseFilterArgs,
    InvalidFilter,
    course_filter,
    course_sort_keys,
    validate_filter,
)
from app.catalog.models import Course, CourseLevel
from app.db import Database
from app.money import Amount
from app.pagination import PageRequest
from tests.support.catalog import RandomCatalog, matches, random_catalog, sorted_like

ALL = PageRequest.create(first=100)


async def _listed(database: Database, args: CourseFilterArgs | None, sort: str) -> list[Course]:
    async with database.session() as session:
        page = await reads.list_courses(session, filter_args=args, sort=sort, request=ALL)
    return page.items


@pytest.fixture
async def catalog(database: Database) -> RandomCatalog:
    return await random_catalog(database, seed=7)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (CourseFilterArgs(min_price_minor=-1), ["min_price"]),
        (CourseFilterArgs(max_price_minor=-5), ["max_price"]),
        (CourseFilterArgs(min_price_minor=500, max_price_minor=100), ["min_price"]),
        (CourseFilterArgs(min_rating=5.5), ["min_rating"]),
        (CourseFilterArgs(min_rating=-0.1), ["min_rating"]),
        (CourseFilterArgs(level="expert"), ["level"]),
        (CourseFilterArgs(language="  "), ["language"]),
        (CourseFilterArgs(tag="x" * 121), ["tag"]),
        (CourseFilterArgs(min_price_minor=-1, min_rating=9), ["min_price", "min_rating"]),
    ],
)
def test_invalid_filter_values_are_rejected_with_every_bad_field(
    args: CourseFilterArgs, fields: list[str]
) -> None:
    with pytest.raises(InvalidFilter) as caught:
        validate_filter(args)
    assert [e.field for e in caught.value.errors] == fields
    assert caught.value.code == "BAD_USER_INPUT"


def test_valid_filters_pass_validation() -> None:
    validate_filter(CourseFilterArgs())
    validate_filter(
        CourseFilterArgs(
            level=CourseLevel.ADVANCED,
            min_price_minor=0,
            max_price_minor=0,
            min_rating=5,
            language="pt-BR",
            tag="python",
        )
    )


def test_an_unknown_sort_is_rejected() -> None:
    with pytest.raises(InvalidFilter):
        course_sort_keys("cheapest")


def test_price_bounds_in_major_units_become_minor_units_of_their_currency() -> None:
    args = course_filter(
        min_price=Amount(Decimal("9.99"), "USD"), max_price=Amount(Decimal(50), "USD"), free=False
    )
    assert (args.min_price_minor, args.max_price_minor, args.price_currency) == (999, 5000, "USD")
    assert args.free is False
    yen = course_filter(max_price=Amount(Decimal(1500), "JPY"))
    assert (yen.min_price_minor, yen.max_price_minor, yen.price_currency) == (None, 1500, "JPY")
    assert course_filter().price_currency is None


@pytest.mark.parametrize(
    ("bounds", "errors"),
    [
        ({"min_price": Amount(Decimal("9.999"), "USD")}, [("min_price", "TOO_PRECISE")]),
        ({"max_price": Amount(Decimal("1.5"), "JPY")}, [("max_price", "TOO_PRECISE")]),
        ({"max_price": Amount(Decimal(5), "XYZ")}, [("max_price", "UNKNOWN_CURRENCY")]),
        (
            {"min_price": Amount(Decimal(1), "USD"), "max_price": Amount(Decimal(9), "EUR")},
            [("max_price", "INVALID")],
        ),
    ],
)
def test_price_bounds_the_currency_cannot_hold_are_rejected(
    bounds: dict[str, Amount], errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidFilter) as caught:
        course_filter(**bounds)
    assert [(e.field, e.code) for e in caught.value.errors] == errors


# --- each filter on real rows -----------------------------------------------------------------


def _single_filters(catalog: RandomCatalog) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("category", {"category_id": catalog.categories[0].id}),
        ("level", {"level": CourseLevel.BEGINNER}),
        ("language", {"language": "PT"}),
        ("min price", {"min_price_minor": 1999}),
        ("max price", {"max_price_minor": 1999}),
        ("price range", {"min_price_minor": 999, "max_price_minor": 4999}),
        ("priced in euros", {"price_currency": "EUR", "free": False}),
        ("euros or free", {"price_currency": "EUR"}),
        (
            "dollar range",
            {"min_price_minor": 999, "max_price_minor": 4999, "price_currency": "USD"},
        ),
        ("free", {"free": True}),
        ("paid", {"free": False}),
        ("rating", {"min_rating": 3.5}),
        ("tag by slug", {"tag": "web-dev"}),
        ("tag by name", {"tag": "Web Dev"}),
        ("instructor", {"instructor_id": catalog.instructors[1].id}),
    ]


async def test_each_filter_returns_exactly_the_published_courses_matching_it(
    database: Database, catalog: RandomCatalog
) -> None:
    """Property 39 (one filter at a time): nothing that matches is missing, nothing else shows."""
    for name, values in _single_filters(catalog):
        args = CourseFilterArgs(**values)
        expected = {c.id for c in catalog.published if matches(c, catalog.tag_slugs[c.id], args)}
        assert 0 < len(expected) < len(catalog.published), name  # the filter discriminates
        found = await _listed(database, args, "popularity")
        assert {c.id for c in found} == expected, name


async def test_unpublished_courses_are_never_listed(
    database: Database, catalog: RandomCatalog
) -> None:
    assert len(catalog.published) < len(catalog.courses)
    found = await _listed(database, None, "newest")
    assert {c.id for c in found} == {c.id for c in catalog.published}


async def test_an_unknown_tag_or_category_matches_nothing(
    database: Database, catalog: RandomCatalog
) -> None:
    assert await _listed(database, CourseFilterArgs(tag="cobol"), "popularity") == []
    assert await _listed(database, CourseFilterArgs(category_id=uuid.uuid4()), "rating") == []


@pytest.mark.parametrize("sort", SORTS)
async def test_each_sort_orders_courses_by_its_criterion_then_id(
    database: Database, catalog: RandomCatalog, sort: str
) -> None:
    """Property 41: the order follows the sort key, ties broken by id."""
    found = await _listed(database, None, sort)
    assert [c.id for c in found] == [c.id for c in sorted_like(sort, catalog.published)]


async def test_filters_combine_with_and(database: Database, catalog: RandomCatalog) -> None:
    args = CourseFilterArgs(free=False, max_price_minor=4999)
    wider = replace(args, max_price_minor=None)
    narrow = {c.id for c in await _listed(database, args, "price_asc")}
    wide = {c.id for c in await _listed(database, wider, "price_asc")}
    assert narrow < wide
    assert narrow == {
        c.id for c in catalog.published if not c.is_free and c.min_price_minor <= 4999
    }
