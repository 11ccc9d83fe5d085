"""The search backend interface: PostgreSQL (app/search/postgres.py) and OpenSearch
(app/search/opensearch/), one results contract (tests/search/contract runs against both).

A backend indexes courses by id (reading the catalog itself), answers searches with a page of
published courses plus facet counts over exactly the result set, completes prefixes and names the
trending searches. Results and suggestions only ever include published courses.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from app.catalog.filters import CourseFilterArgs
from app.pagination import Page, PageRequest

MAX_QUERY_LENGTH = 200
MAX_PREFIX_LENGTH = 100
MAX_SUGGESTIONS = 20
MAX_TRENDING = 50


class SearchSort(enum.StrEnum):
    """RELEVANCE plus the catalog's sorts (app.catalog.filters.SORTS)."""

    RELEVANCE = "relevance"
    POPULARITY = "popularity"
    RATING = "rating"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    TRENDING = "trending"


class SuggestionKind(enum.StrEnum):
    COURSE = "course"
    TAG = "tag"
    INSTRUCTOR = "instructor"
    TERM = "term"


class PriceBand(enum.StrEnum):
    """Bands of a course's lowest tier price, in major units of the course's own currency: free
    courses, then [0, 20), [20, 50), [50, 100), 100 and more."""

    FREE = "free"
    UNDER_20 = "under_20"
    FROM_20_TO_50 = "from_20_to_50"
    FROM_50_TO_100 = "from_50_to_100"
    FROM_100 = "from_100"


# (band, lowest price, first price above the band) of paid courses, in major units
PAID_BANDS: tuple[tuple[PriceBand, Decimal, Decimal | None], ...] = (
    (PriceBand.UNDER_20, Decimal(0), Decimal(20)),
    (PriceBand.FROM_20_TO_50, Decimal(20), Decimal(50)),
    (PriceBand.FROM_50_TO_100, Decimal(50), Decimal(100)),
    (PriceBand.FROM_100, Decimal(100), None),
)


def band_bounds(band: PriceBand) -> tuple[Decimal, Decimal | None]:
    """The band's lowest price (inclusive) and the price it stays below (None: no bound);
    FREE is (0, 0): the courses marked free."""
    if band is PriceBand.FREE:
        return Decimal(0), Decimal(0)
    return next((low, high) for b, low, high in PAID_BANDS if b is band)


# rating facets are "at least" thresholds, so one course counts in every band it reaches
RATING_THRESHOLDS: tuple[str, ...] = ("4.5", "4", "3.5", "3")


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Facets:
    """Counts over the whole result set (every page) of the query with all its filters."""

    total: int
    categories: list[FacetValue] = field(default_factory=list)
    levels: list[FacetValue] = field(default_factory=list)
    languages: list[FacetValue] = field(default_factory=list)
    price_bands: list[FacetValue] = field(default_factory=list)
    ratings: list[FacetValue] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    page: Page[Any]  # of Course rows, or of their ids when the search was asked for `ids_only`
    facets: Facets | None
    corrected_query: str | None  # the query actually searched, when spelling was corrected
    # (query, results) counted for trending by this search (first pages only), else None
    recorded: tuple[str, int] | None = None


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: SuggestionKind
    course_slug: str | None = None


class SearchBackend(Protocol):
    async def index_course(self, course_id: uuid.UUID) -> None:
        """Bring one course's index entry up to date (idempotent; a missing or unpublished
        course is removed from the results)."""

    async def remove_course(self, course_id: uuid.UUID) -> None: ...

    async def search_courses(
        self,
        query: str,
        filter_args: CourseFilterArgs,
        sort: SearchSort,
        request: PageRequest,
        *,
        with_total: bool,
        with_facets: bool = True,
        count_search: bool = False,
        ids_only: bool = False,
    ) -> SearchResult:
        """With `count_search`, the search is counted for trending (the query searched — the
        correction when there is one — and what it found) and `SearchResult.recorded` says so;
        a backend may count it with its own reads. With `ids_only` the page lists the courses'
        ids (for a reader that writes the courses itself), not Course rows."""
        ...

    async def autocomplete(self, prefix: str, limit: int) -> list[Suggestion]: ...

    async def trending(self, limit: int) -> list[str]: ...
