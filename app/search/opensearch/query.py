"""The search request body built from the query, the filter, the sort and the page (pure).

Matching follows the PostgreSQL backend's `websearch_to_tsquery`: every word must match (in any
of title, tags, instructor names, subtitle and description, stemmed), "quoted phrases", `or`
between words and `-word` work. Ranking: the best field holding the query decides first
(constant scores title 8, tags 4, instructor 2, description 1: one title hit outranks any number
of hits elsewhere), BM25 over all text (scaled far below 1) orders within. Filters are `filter`
clauses (no score), the same rules as app.catalog.filters. Facets are aggregations over the same
query and every filter (the facet's own included, as app.search.facets counts them), so each
count is the number of results a client gets by adding that value. The typo-tolerant query
(used when the exact one finds nothing) matches with `fuzziness: AUTO`.

Pages are `search_after` pages over the sort values plus the id as tie-breaker; a cursor is
those values (app.pagination's encoding). Reading backwards reverses every key's direction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.pagination import PageRequest
from app.search.interface import RATING_THRESHOLDS, SearchSort

TIERS = (("title", 8.0), ("tags", 4.0), ("instructors", 2.0), ("description", 1.0))
BM25_SCALE = 0.001
FACET_SIZE = 200
_OR = re.compile(r"(?i)(?<!\S)or(?!\S)")
_EXCLUDED = re.compile(r'(?<!\S)-(?:"[^"]*"|\S+)')
_FLAGS = "OR|NOT|PHRASE|WHITESPACE"


def simple_query(query: str) -> str:
    """The query in `simple_query_string` syntax: a standalone `or` becomes `|`."""
    return _OR.sub("|", query)


def _text_match(query: str, fields: list[str], *, fuzzy: bool, every_word: bool) -> dict[str, Any]:
    operator = "and" if every_word else "or"
    if fuzzy:
        return {
            "multi_match": {
                "query": query,
                "fields": fields,
                "operator": operator,
                "fuzziness": "AUTO",
                "type": "best_fields" if len(fields) == 1 else "most_fields",
            }
        }
    return {
        "simple_query_string": {
            "query": simple_query(query),
            "fields": fields,
            "default_operator": operator,
            "flags": _FLAGS,
        }
    }


def match_clause(query: str, *, fuzzy: bool = False) -> dict[str, Any]:
    """Which courses the query finds (every word somewhere in their text)."""
    if fuzzy:
        return {"match": {"all_text": {"query": query, "operator": "and", "fuzziness": "AUTO"}}}
    return _text_match(query, ["all_text"], fuzzy=False, every_word=True)


def relevance_clauses(query: str, *, fuzzy: bool = False) -> list[dict[str, Any]]:
    """The scoring clauses: the words the query asks for (its `-excluded` words left out, which
    would otherwise score every course lacking them)."""
    query = _EXCLUDED.sub(" ", query)
    tiers: list[dict[str, Any]] = [
        {
            "constant_score": {
                "filter": _text_match(query, [name], fuzzy=fuzzy, every_word=False),
                "boost": boost,
            }
        }
        for name, boost in TIERS
    ]
    bm25 = _text_match(query, ["all_text"], fuzzy=fuzzy, every_word=False)
    inner = next(iter(bm25.values()))
    inner["boost"] = BM25_SCALE
    return [*tiers, bm25]


def filter_clauses(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The filters of `values` (app.catalog.filters.course_filter_values) as filter clauses."""
    clauses: list[dict[str, Any]] = []
    if "category_id" in values:
        clauses.append({"term": {"category_id": str(values["category_id"])}})
    if "level" in values:
        clauses.append({"term": {"level": str(values["level"].value)}})
    if "language" in values:
        clauses.append({"term": {"language": values["language"]}})
    if "price_currency" in values:
        either = [{"term": {"currency": values["price_currency"]}}, {"term": {"is_free": True}}]
        clauses.append({"bool": {"should": either, "minimum_should_match": 1}})
    price: dict[str, int] = {}
    if "min_price_minor" in values:
        price["gte"] = int(values["min_price_minor"])
    if "max_price_minor" in values:
        price["lte"] = int(values["max_price_minor"])
    if price:
        clauses.append({"range": {"min_price_minor": price}})
    if "free" in values:
        clauses.append({"term": {"is_free": bool(values["free"])}})
    if "min_rating" in values:
        clauses.append({"range": {"average_rating": {"gte": float(values["min_rating"])}}})
    if "tag_slug" in values:
        either = [
            {"term": {"tag_slugs": values["tag_slug"]}},
            {"term": {"tag_names": values["tag_name"]}},
        ]
        clauses.append({"bool": {"should": either, "minimum_should_match": 1}})
    if "instructor_id" in values:
        clauses.append({"term": {"instructor_id": str(values["instructor_id"])}})
    return clauses


# the sort fields before the tie-breaker, descending or not (app.catalog.filters.course_sort_keys)
SORT_FIELDS: dict[SearchSort, tuple[tuple[str, bool], ...]] = {
    SearchSort.RELEVANCE: (("_score", True),),
    SearchSort.POPULARITY: (("popularity_score", True), ("enrollment_count", True)),
    SearchSort.RATING: (("rating_sort", True), ("review_count", True)),
    SearchSort.NEWEST: (("sort_date", True),),
    SearchSort.PRICE_ASC: (("min_price_minor", False),),
    SearchSort.PRICE_DESC: (("min_price_minor", True),),
    SearchSort.TRENDING: (("trending_score", True),),
}


def sort_keys(sort: SearchSort) -> list[tuple[str, bool]]:
    """(field, descending) of every key, the id tie-breaker last in the first key's direction."""
    keys = list(SORT_FIELDS[sort])
    return [*keys, ("id", keys[0][1])]


def sort_clause(sort: SearchSort, *, backwards: bool) -> list[dict[str, str]]:
    return [
        {field: "desc" if descending != backwards else "asc"}
        for field, descending in sort_keys(sort)
    ]


def facet_aggregations() -> dict[str, Any]:
    return {
        "categories": {
            "terms": {"field": "category_id", "size": FACET_SIZE},
            "aggs": {"name": {"terms": {"field": "category_name", "size": 1}}},
        },
        "levels": {"terms": {"field": "level", "size": 20}},
        "languages": {"terms": {"field": "language", "size": FACET_SIZE}},
        "price_bands": {"terms": {"field": "price_band", "size": 20}},
        "ratings": {
            "filters": {
                "filters": {
                    t: {"range": {"average_rating": {"gte": float(t)}}} for t in RATING_THRESHOLDS
                }
            }
        },
    }


def search_body(
    query: str,
    filter_values: Mapping[str, Any],
    sort: SearchSort,
    request: PageRequest,
    *,
    with_facets: bool,
    fuzzy: bool = False,
) -> dict[str, Any]:
    """One request: a page (one hit more than its size, to know whether there is more), the
    total of the whole result set, and the facets when asked."""
    position = request.before if request.backwards else request.after
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "filter": [match_clause(query, fuzzy=fuzzy), *filter_clauses(filter_values)],
                "should": relevance_clauses(query, fuzzy=fuzzy),
            }
        },
        "sort": sort_clause(sort, backwards=request.backwards),
        "size": request.size + 1,
        "track_total_hits": True,
        "_source": False,
    }
    if position is not None:
        body["search_after"] = list(position)
    if with_facets:
        body["aggs"] = facet_aggregations()
    return body


def beyond(
    values: Sequence[Any], position: Sequence[Any], keys: Sequence[tuple[str, bool]]
) -> bool:
    """Whether a hit's sort `values` come strictly after `position` in the keys' order."""
    for value, mark, (_, descending) in zip(values, position, keys, strict=True):
        if value != mark:
            return bool(value < mark) if descending else bool(value > mark)
    return False
