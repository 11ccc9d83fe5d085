"""GraphQL types of search: the result connection with facets, suggestions, sorts."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Self

import strawberry
from strawberry import relay

from app.catalog.models import CourseLevel
from app.search import interface
from schema.catalog.types import Course
from schema.core.relay import Connection

strawberry.enum(
    interface.SearchSort,
    name="SearchSort",
    description="Orders of search results: RELEVANCE (best match first) or a catalog order.",
)
strawberry.enum(
    interface.SuggestionKind, name="SuggestionKind", description="Where a suggestion comes from."
)
strawberry.enum(
    interface.PriceBand,
    name="PriceBand",
    description="Bands of a course's lowest tier price, in major units of the course's own "
    "currency: FREE (free courses), UNDER_20 [0, 20), FROM_20_TO_50 [20, 50), FROM_50_TO_100 "
    "[50, 100), FROM_100 (100 and more).",
)
SearchSort = interface.SearchSort
SuggestionKind = interface.SuggestionKind
PriceBand = interface.PriceBand


@strawberry.type(description="One value of a facet and how many results have it.")
class FacetValue:
    value: str = strawberry.field(description="What to filter on (an ID, an enum name, a code).")
    label: str
    count: int


@strawberry.type(description="A price band and how many results are in it.")
class PriceBandCount:
    band: PriceBand
    label: str
    count: int
    min_amount: Decimal = strawberry.field(
        description="The band's lowest price (inclusive), in major units of each course's "
        "currency; 0 for FREE."
    )
    max_amount: Decimal | None = strawberry.field(
        description="The band holds prices below this (exclusive); null: no upper bound; 0 for "
        "FREE."
    )

    @classmethod
    def of(cls, value: interface.FacetValue) -> Self:
        band = interface.PriceBand(value.value)
        low, high = interface.band_bounds(band)
        return cls(band=band, label=value.label, count=value.count, min_amount=low, max_amount=high)


@strawberry.type(
    description="Counts over every result of the search (all pages) with the filters applied. "
    "ratings: average rating at least 4.5, 4, 3.5, 3 (a course counts in each threshold it "
    "reaches). Values without results are left out."
)
class SearchFacets:
    categories: list[FacetValue] = strawberry.field(description="value: the category's ID")
    levels: list[FacetValue] = strawberry.field(description="value: a CourseLevel name")
    languages: list[FacetValue] = strawberry.field(description="value: a language code")
    price_bands: list[PriceBandCount]
    ratings: list[FacetValue] = strawberry.field(description="value: the minimum rating")

    @classmethod
    def from_facets(cls, facets: interface.Facets) -> SearchFacets:
        return cls(
            categories=_values(facets.categories, lambda v: relay.to_base64("Category", v)),
            levels=_values(facets.levels, lambda v: CourseLevel(v).name),
            languages=_values(facets.languages, str),
            price_bands=[PriceBandCount.of(v) for v in facets.price_bands],
            ratings=_values(facets.ratings, str),
        )


def _values(values: Iterable[interface.FacetValue], convert: Any) -> list[FacetValue]:
    return [FacetValue(value=convert(v.value), label=v.label, count=v.count) for v in values]


@strawberry.type(description="A page of search results with facet counts over all results.")
class CourseSearchConnection(Connection[Course]):
    found_facets: strawberry.Private[interface.Facets | None] = None
    corrected_query: str | None = strawberry.field(
        default=None,
        description="When the query matched nothing and its spelling was corrected: the "
        "corrected query, whose results these are.",
    )

    @strawberry.field(description="Facet counts over every result of this search.")
    def facets(self) -> SearchFacets:
        if self.found_facets is None:
            raise RuntimeError("this search was run without its facets")
        return SearchFacets.from_facets(self.found_facets)

    @classmethod
    def of(cls, result: interface.SearchResult) -> CourseSearchConnection:
        connection = cls.from_page(result.page, Course.from_model)
        assert isinstance(connection, CourseSearchConnection)
        connection.found_facets = result.facets
        connection.corrected_query = result.corrected_query
        return connection


@strawberry.type(description="A completion of what the user is typing.")
class SearchSuggestion:
    text: str
    kind: SuggestionKind
    course_slug: str | None = strawberry.field(description="Set for COURSE suggestions.")

    @classmethod
    def from_suggestion(cls, suggestion: interface.Suggestion) -> SearchSuggestion:
        return cls(text=suggestion.text, kind=suggestion.kind, course_slug=suggestion.course_slug)
