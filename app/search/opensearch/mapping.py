"""The course index: its analyzers and mapping, its names, and the alias swap of a reindex.

Text fields are analysed with OpenSearch's `english` analyzer (stemming: "learning" finds
"Learn"; stop words dropped), as PostgreSQL's `english` configuration does. `title.autocomplete`
holds edge n-grams of every title word (2-20 letters) for completing a typed prefix; `words`
holds the unstemmed vocabulary words of the title, tags and instructor names (as the PostgreSQL
backend's `search_terms`), with `words.prefix` edge n-grams of each for typo-tolerant
completion. Filters, facets and sorts read keyword and numeric fields.

Names: the live alias is `<prefix>-courses`; each build is a concrete index
`<prefix>-courses-<UTC timestamp>`; while a reindex builds one, it also carries the alias
`<prefix>-courses-building`, which the index writers write to as well (dual write).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

EDGE_MIN, EDGE_MAX = 2, 20

ANALYSIS: dict[str, Any] = {
    "filter": {
        "edge": {"type": "edge_ngram", "min_gram": EDGE_MIN, "max_gram": EDGE_MAX},
    },
    "analyzer": {
        "autocomplete": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "edge"],
        },
        "autocomplete_search": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding"],
        },
        "word_prefix": {"type": "custom", "tokenizer": "keyword", "filter": ["lowercase", "edge"]},
    },
    "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}},
}

_ENGLISH = {"type": "text", "analyzer": "english"}
_KEYWORD = {"type": "keyword"}

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "slug": _KEYWORD,
        "title": {
            **_ENGLISH,
            "copy_to": "all_text",
            "fields": {
                "autocomplete": {
                    "type": "text",
                    "analyzer": "autocomplete",
                    "search_analyzer": "autocomplete_search",
                },
                "sort": {"type": "keyword", "normalizer": "lower"},
                "raw": _KEYWORD,
            },
        },
        "tags": {**_ENGLISH, "copy_to": "all_text", "fields": {"raw": _KEYWORD}},
        "tag_slugs": _KEYWORD,
        "tag_names": {"type": "keyword", "normalizer": "lower"},
        "instructors": {**_ENGLISH, "copy_to": "all_text"},
        "instructor_name": _KEYWORD,
        "description": {**_ENGLISH, "copy_to": "all_text"},
        "all_text": _ENGLISH,
        "words": {
            "type": "keyword",
            "fields": {
                "prefix": {
                    "type": "text",
                    "analyzer": "word_prefix",
                    "search_analyzer": "keyword",
                }
            },
        },
        "instructor_id": _KEYWORD,
        "category_id": _KEYWORD,
        "category_name": _KEYWORD,
        "level": _KEYWORD,
        "language": _KEYWORD,
        "currency": _KEYWORD,
        "is_free": {"type": "boolean"},
        "min_price_minor": {"type": "long"},
        "price_band": _KEYWORD,
        "average_rating": {"type": "double"},
        "rating_sort": {"type": "double"},
        "review_count": {"type": "long"},
        "enrollment_count": {"type": "long"},
        "popularity_score": {"type": "double"},
        "trending_score": {"type": "double"},
        "sort_date": {"type": "date"},
    },
}


def index_body() -> dict[str, Any]:
    """The body of a new course index: one shard (so relevance scores, and the cursors holding
    them, are the same on every request), its analyzers and mapping."""
    return {
        "settings": {
            "index": {"number_of_shards": 1, "number_of_replicas": 0},
            "analysis": ANALYSIS,
        },
        "mappings": MAPPING,
    }


def alias_name(prefix: str) -> str:
    return f"{prefix}-courses"


def building_alias(prefix: str) -> str:
    return f"{prefix}-courses-building"


def versioned_name(prefix: str, now: datetime) -> str:
    """A new index's name: the alias plus the UTC time to the microsecond."""
    return f"{alias_name(prefix)}-{now.strftime('%Y%m%d%H%M%S%f')}"


def is_versioned(prefix: str, name: str) -> bool:
    stamp = name.removeprefix(f"{alias_name(prefix)}-")
    return stamp != name and stamp.isdigit()


def swap_actions(prefix: str, new: str, old: list[str]) -> list[dict[str, Any]]:
    """One `_aliases` request that moves the live alias from the `old` indices to `new` and
    ends the dual write to `new`: applied atomically, so every search sees one index."""
    alias = alias_name(prefix)
    actions: list[dict[str, Any]] = [
        {"remove": {"index": name, "alias": alias}} for name in old if name != new
    ]
    actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
    actions.append({"remove": {"index": new, "alias": building_alias(prefix)}})
    return actions
