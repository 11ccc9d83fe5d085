"""Facet counts of a search in one statement (GROUPING SETS over the matched courses).

Counts are over the exact result set: the query AND every filter, the facet's own dimension
included (not "disjunctive" faceting), so each count is the number of results a client gets by
adding that value as a filter, and the empty grouping set gives the total. Courses without a
category are not in the category facet; rating facets are "at least" thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, String, any_, case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import Category, Course, CourseLevel
from app.money import currencies, from_minor, precision
from app.search import trending
from app.search.interface import (
    PAID_BANDS,
    RATING_THRESHOLDS,
    Facets,
    FacetValue,
    PriceBand,
)

BAND_LABELS = {
    PriceBand.FREE: "Free",
    PriceBand.UNDER_20: "Under 20",
    PriceBand.FROM_20_TO_50: "20 to 50",
    PriceBand.FROM_50_TO_100: "50 to 100",
    PriceBand.FROM_100: "100 and more",
}
_GROUPS = "GROUPING SETS ((category_id, category_name), (level), (language), (band), ())"
# GROUPING(category_id, level, language, band): a bit is set for each column NOT grouped
_BY_CATEGORY, _BY_LEVEL, _BY_LANGUAGE, _BY_BAND, _TOTAL = 0b0111, 0b1011, 0b1101, 0b1110, 0b1111


@cache
def _currencies_by_precision() -> dict[int, tuple[str, ...]]:
    found: defaultdict[int, list[str]] = defaultdict(list)
    for code in currencies():
        found[precision(code)].append(code)
    return {digits: tuple(codes) for digits, codes in sorted(found.items())}


@cache
def minor_per_major() -> ColumnElement[int]:
    """Minor units in one major unit of each course's currency: 100 (USD), 1 (JPY), 1000 (KWD)."""
    whens = [  # = ANY(array), not IN: one parameter, so a driver statement can hold it
        (Course.currency == any_(literal(list(codes), ARRAY(String()))), 10**digits)
        for digits, codes in _currencies_by_precision().items()
        if digits != 2
    ]
    return case(*whens, else_=100)


@cache
def price_band() -> ColumnElement[str]:
    """Each course's price band as a CASE expression (built once: SQL expressions are
    immutable, and every facet count uses the same one)."""
    scale = minor_per_major()
    whens: list[tuple[Any, str]] = [(Course.is_free.is_(True), PriceBand.FREE.value)]
    whens += [
        (Course.min_price_minor < scale * int(high), band.value)
        for band, _, high in PAID_BANDS
        if high is not None
    ]
    return case(*whens, else_=PriceBand.FROM_100.value)


def band_of(is_free: bool, min_price_minor: int, currency: str) -> PriceBand:
    """The band of one course, as `price_band()` computes it in SQL (for tests and clients)."""
    if is_free:
        return PriceBand.FREE
    price = from_minor(min_price_minor, currency)
    return next(b for b, _, high in PAID_BANDS if high is None or price < high)


def facets_statement(
    conditions: Sequence[ColumnElement[bool]],
    *,
    count_search: str | ColumnElement[str] | None = None,
    count_id: Any = None,
) -> Select[Any]:
    """The facets statement of the courses matching `conditions`; with `count_search` (a
    normalised query, or a bound parameter), it also counts that search for trending with the
    total it found (`trending.counted`: a data-modifying CTE, atomic with the read; `count_id`
    the new row's id, a new one when None)."""
    matched = (
        select(
            Course.category_id.label("category_id"),
            Category.name.label("category_name"),
            Course.level.label("level"),
            func.lower(Course.language).label("language"),
            price_band().label("band"),
            Course.average_rating.label("rating"),
        )
        .outerjoin(Category, Category.id == Course.category_id)
        .where(*conditions)
        .subquery("matched")
    )
    c = matched.c
    ratings = [
        func.count().filter(c.rating >= Decimal(t)).label(f"rating_{i}")
        for i, t in enumerate(RATING_THRESHOLDS)
    ]
    stmt = select(
        c.category_id,
        c.category_name,
        c.level,
        c.language,
        c.band,
        func.count().label("n"),
        func.grouping(c.category_id, c.level, c.language, c.band).label("g"),
        *ratings,
    ).group_by(text(_GROUPS))
    if count_search is not None:
        facets = stmt.cte("facets")
        total = func.coalesce(select(facets.c.n).where(facets.c.g == _TOTAL).scalar_subquery(), 0)
        counted = trending.counted(count_search, total, id_=count_id)
        stmt = select(facets).add_cte(counted.cte("counted"))
    return stmt


async def count_facets(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    *,
    count_search: str | None = None,
) -> Facets:
    """The facets of the courses matching `conditions` (`facets_statement`), through `session`:
    one round trip, the count for trending included."""
    stmt = facets_statement(conditions, count_search=count_search)
    return facets_of((await session.execute(stmt)).mappings().all())


def facets_of(rows: Sequence[Mapping[str, Any]]) -> Facets:
    """The facets from the rows of a `facets_statement` (mappings: a session's, or the
    driver's records)."""
    by = {
        key: [r for r in rows if r["g"] == key] for key in (_BY_CATEGORY, _BY_LEVEL, _BY_LANGUAGE)
    }
    bands = {r["band"]: r["n"] for r in rows if r["g"] == _BY_BAND}
    total = next((r for r in rows if r["g"] == _TOTAL), None)
    return Facets(
        total=total["n"] if total else 0,
        categories=_ranked(
            FacetValue(str(r["category_id"]), r["category_name"], r["n"])
            for r in by[_BY_CATEGORY]
            if r["category_id"] is not None
        ),
        levels=[
            FacetValue(level.value, level.value.capitalize(), n)
            for level in CourseLevel
            if (n := next((r["n"] for r in by[_BY_LEVEL] if r["level"] == level), 0))
        ],
        languages=_ranked(
            FacetValue(r["language"], r["language"], r["n"]) for r in by[_BY_LANGUAGE]
        ),
        price_bands=[
            FacetValue(band.value, BAND_LABELS[band], bands[band.value])
            for band in PriceBand
            if bands.get(band.value)
        ],
        ratings=[
            FacetValue(t, f"{t} and up", n)
            for i, t in enumerate(RATING_THRESHOLDS)
            if total is not None and (n := total[f"rating_{i}"])
        ],
    )


def _ranked(values: Any) -> list[FacetValue]:
    return sorted(values, key=lambda v: (-v.count, v.label))
