"""Autocomplete from the course index, with the PostgreSQL backend's rules (app/search/suggest.py):
the last typed word is a prefix completed from the vocabulary (`words`, most used first; a
misspelt prefix is tried as the closest word starting like it: "machne" → "machine"), the words
before it are complete. Kinds taken in turn: TERM (typed words with the completed last word),
COURSE (titles holding every word, most enrolled first), TAG (tag names, most used first),
INSTRUCTOR (names of course owners). Two or three requests: completions (and the typo retry),
then the suggestions with the tag and instructor aggregations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import Any

from opensearchpy import AsyncOpenSearch

from app.search.interface import Suggestion, SuggestionKind
from app.search.opensearch.spelling import candidates_request, closest, corrections
from app.search.text import max_edits, words

COMPLETIONS = 10
NAMES = 100


def completions_request(prefix: str) -> dict[str, Any]:
    """The vocabulary words starting with `prefix` (letters and digits only: no regex syntax)."""
    return {
        "size": 0,
        "aggs": {
            "words": {
                "terms": {"field": "words", "include": f"{prefix}.*", "size": COMPLETIONS * 3}
            }
        },
    }


def completions_of(response: Mapping[str, Any]) -> list[str]:
    buckets = response.get("aggregations", {}).get("words", {}).get("buckets", [])
    ranked = sorted(buckets, key=lambda b: (-int(b["doc_count"]), len(b["key"]), b["key"]))
    return [str(b["key"]) for b in ranked[:COMPLETIONS]]


def _holds(field: str, head: Sequence[str], completions: Sequence[str]) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = [{"match": {field: {"query": " ".join(completions)}}}]
    if head:
        clauses.append({"match": {field: {"query": " ".join(head), "operator": "and"}}})
    return {"bool": {"filter": clauses}}


def suggestions_request(
    head: Sequence[str], completions: Sequence[str], limit: int
) -> dict[str, Any]:
    return {
        "size": limit,
        "_source": ["title", "slug"],
        "query": {"match_all": {}},
        "post_filter": _holds("title", head, completions),
        "sort": [{"enrollment_count": "desc"}, {"title.sort": "asc"}, {"id": "asc"}],
        "aggs": {
            "tags": {
                "filter": _holds("tags", head, completions),
                "aggs": {"names": {"terms": {"field": "tags.raw", "size": NAMES}}},
            },
            "instructors": {
                "filter": _holds("instructors", head, completions),
                "aggs": {"names": {"terms": {"field": "instructor_name", "size": NAMES}}},
            },
        },
    }


def _named(name: str, head: Sequence[str], completions: Sequence[str]) -> bool:
    held = set(words(name))
    return set(head) <= held and bool(held & set(completions))


def suggestions_of(
    response: Mapping[str, Any],
    head: Sequence[str],
    completions: Sequence[str],
    limit: int,
) -> list[Suggestion]:
    terms = [Suggestion(" ".join([*head, c]), SuggestionKind.TERM) for c in completions[:limit]]
    courses = [
        Suggestion(h["_source"]["title"], SuggestionKind.COURSE, h["_source"]["slug"])
        for h in response.get("hits", {}).get("hits", [])
    ]
    aggs = response.get("aggregations", {})

    def names(agg: str, kind: SuggestionKind, by_count: bool) -> list[Suggestion]:
        buckets = aggs.get(agg, {}).get("names", {}).get("buckets", [])
        found = [
            (int(b["doc_count"]), str(b["key"]))
            for b in buckets
            if _named(str(b["key"]), head, completions)
        ]
        found.sort(key=lambda f: (-f[0], f[1]) if by_count else (f[1],))
        return [Suggestion(name, kind) for _, name in found[:limit]]

    groups = [
        terms,
        courses,
        names("tags", SuggestionKind.TAG, by_count=True),
        names("instructors", SuggestionKind.INSTRUCTOR, by_count=False),
    ]
    return interleave(groups, limit)


def interleave(groups: list[list[Suggestion]], limit: int) -> list[Suggestion]:
    seen: set[str] = set()
    merged: list[Suggestion] = []
    for row in zip_longest(*groups):
        for item in row:
            if item is not None and item.text.casefold() not in seen:
                seen.add(item.text.casefold())
                merged.append(item)
    return merged[:limit]


async def suggest(client: AsyncOpenSearch, index: str, prefix: str, limit: int) -> list[Suggestion]:
    typed = words(prefix)[:8]
    if not typed:
        return []
    fixes = await corrections(client, index, typed[:-1])
    head, last = [fixes.get(w, w) for w in typed[:-1]], typed[-1]
    completions = completions_of(await _search(client, index, completions_request(last)))
    if not completions and max_edits(last):
        near = await _search(client, index, candidates_request(last, prefix=True))
        fixed = closest(last, near, prefix=True)
        if fixed:
            completions = completions_of(await _search(client, index, completions_request(fixed)))
    if not completions:
        return []
    response = await _search(client, index, suggestions_request(head, completions, limit))
    return suggestions_of(response, head, completions, limit)


async def _search(client: AsyncOpenSearch, index: str, body: dict[str, Any]) -> Mapping[str, Any]:
    response: Mapping[str, Any] = await client.search(
        index=index, body=body, params={"ignore_unavailable": "true"}
    )
    return response
