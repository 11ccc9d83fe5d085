"""OpenSearch responses as the interface's result types (pure)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from app.catalog.models import CourseLevel
from app.pagination import Page, PageRequest, page_of
from app.search.facets import BAND_LABELS
from app.search.interface import RATING_THRESHOLDS, Facets, FacetValue, PriceBand
from app.search.opensearch.query import beyond


def hits_of(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(response.get("hits", {}).get("hits", []))


def total_of(response: Mapping[str, Any]) -> int:
    total = response.get("hits", {}).get("total", 0)
    return int(total["value"] if isinstance(total, Mapping) else total)


def page_rows(
    response: Mapping[str, Any], request: PageRequest, keys: Sequence[tuple[str, bool]]
) -> list[tuple[Any, ...]]:
    """(course id, *sort values) of the hits in reading order, cut at the other cursor when a
    page is read between two (`after` and `before`): the rows `page_of` expects."""
    rows: list[tuple[Any, ...]] = []
    stop = request.after if request.backwards else request.before
    for hit in hits_of(response):
        values = tuple(hit["sort"])
        if stop is not None:
            past = beyond(values, stop, keys)
            if (past if not request.backwards else not past) or values == tuple(stop):
                break
        rows.append((uuid.UUID(hit["_id"]), *values))
    return rows


def page_from(
    response: Mapping[str, Any],
    request: PageRequest,
    keys: Sequence[tuple[str, bool]],
    total: int | None,
) -> Page[uuid.UUID]:
    """The page of course ids, its cursors (the hits' sort values) and whether there is more."""
    return page_of(page_rows(response, request, keys), 1, request, total)


def facets_from(response: Mapping[str, Any]) -> Facets:
    """The aggregations of `query.facet_aggregations` as Facets, ordered and labelled as
    app.search.facets does (zero counts left out)."""
    aggs = response.get("aggregations", {})

    def buckets(name: str) -> list[Mapping[str, Any]]:
        return list(aggs.get(name, {}).get("buckets", []))

    categories = [
        FacetValue(
            str(b["key"]),
            str(b["name"]["buckets"][0]["key"]) if b["name"]["buckets"] else "",
            int(b["doc_count"]),
        )
        for b in buckets("categories")
    ]
    levels = {str(b["key"]): int(b["doc_count"]) for b in buckets("levels")}
    bands = {str(b["key"]): int(b["doc_count"]) for b in buckets("price_bands")}
    ratings = aggs.get("ratings", {}).get("buckets", {})
    return Facets(
        total=total_of(response),
        categories=_ranked(categories),
        levels=[
            FacetValue(level.value, level.value.capitalize(), levels[level.value])
            for level in CourseLevel
            if levels.get(level.value)
        ],
        languages=_ranked(
            FacetValue(str(b["key"]), str(b["key"]), int(b["doc_count"]))
            for b in buckets("languages")
        ),
        price_bands=[
            FacetValue(band.value, BAND_LABELS[band], bands[band.value])
            for band in PriceBand
            if bands.get(band.value)
        ],
        ratings=[
            FacetValue(t, f"{t} and up", n)
            for t in RATING_THRESHOLDS
            if (n := int(ratings.get(t, {}).get("doc_count", 0)))
        ],
    )


def _ranked(values: Any) -> list[FacetValue]:
    return sorted(values, key=lambda v: (-v.count, v.label))
