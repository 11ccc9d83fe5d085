"""Spelling correction over the indexed vocabulary (the `words` field): for each word of the
query within its typo budget (app.search.text.max_edits), the words of the courses it fuzzily
matches are the candidates, and the closest by edit distance wins (the most used on a tie); a
word found as it is typed is kept. One `msearch` round trip for all the words. A query whose
words are all known is never corrected nor searched fuzzily (its filters excluded everything,
as with the PostgreSQL backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy import AsyncOpenSearch

from app.search.spelling import MAX_CORRECTED_WORDS
from app.search.text import WORD, edit_distance, max_edits, prefix_distance, words

CANDIDATES = 100
# the `english` analyzer's stop words: never corrected into other words ("the" is not "she")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)


def candidates_request(word: str, *, prefix: bool = False) -> dict[str, Any]:
    """A search for the vocabulary words near `word` (near its beginning with `prefix`)."""
    field = "words.prefix" if prefix else "words"
    match = {"fuzzy": {field: {"value": word, "fuzziness": max_edits(word)}}}
    return {
        "size": 0,
        "query": match,
        "aggs": {
            "words": {"terms": {"field": "words", "size": CANDIDATES}},
            "known": {"filter": {"term": {"words": word}}},
        },
    }


def closest(word: str, response: Mapping[str, Any], *, prefix: bool = False) -> str | None:
    """The candidate of `response` closest to `word` within its budget (None when `word` is
    itself a vocabulary word, or nothing is close enough)."""
    budget = max_edits(word)
    if not prefix and is_known(word, response):
        return None
    buckets = response.get("aggregations", {}).get("words", {}).get("buckets", [])
    distance = prefix_distance if prefix else edit_distance
    best: tuple[int, int, str] | None = None
    for position, bucket in enumerate(buckets):
        term = str(bucket["key"])
        edits = distance(word, term)
        if edits <= budget and (best is None or (edits, position) < best[:2]):
            best = (edits, position, term)
    return best[2] if best else None


def correctable(typed: Sequence[str]) -> list[str]:
    """The distinct words worth correcting: long enough, not numbers, not stop words."""
    unique = dict.fromkeys(
        w for w in typed if max_edits(w) and not w.isdigit() and w not in STOP_WORDS
    )
    return list(unique)[:MAX_CORRECTED_WORDS]


def is_known(word: str, response: Mapping[str, Any]) -> bool:
    """Whether the index holds `word` itself (the candidates response's `known` count)."""
    return bool(response.get("aggregations", {}).get("known", {}).get("doc_count", 0))


@dataclass(frozen=True)
class Spelling:
    fixes: dict[str, str]  # misspelt word -> the closest vocabulary word
    misspelt: bool  # some word worth correcting is not in the vocabulary (fixed or not)


async def check_spelling(client: AsyncOpenSearch, index: str, typed: Sequence[str]) -> Spelling:
    """The misspelt words of `typed` (lower-case words) and their corrections: one round trip."""
    unique = correctable(typed)
    if not unique:
        return Spelling({}, misspelt=False)
    responses = await _msearch(client, index, [candidates_request(w) for w in unique])
    checked = list(zip(unique, responses, strict=True))
    fixes = {w: fixed for w, r in checked if (fixed := closest(w, r))}
    return Spelling(fixes, misspelt=any(not is_known(w, r) for w, r in checked))


async def corrections(client: AsyncOpenSearch, index: str, typed: Sequence[str]) -> dict[str, str]:
    return (await check_spelling(client, index, typed)).fixes


async def correct_query(client: AsyncOpenSearch, index: str, query: str) -> tuple[str | None, bool]:
    """`query` with its misspelt words replaced (operators and other words kept as typed), None
    when nothing changed; and whether it holds a word the index does not know at all."""
    spelling = await check_spelling(client, index, words(query))
    fixes = spelling.fixes
    if not fixes:
        return None, spelling.misspelt
    corrected = WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), query)
    return corrected, True


async def _msearch(
    client: AsyncOpenSearch, index: str, bodies: Sequence[dict[str, Any]]
) -> list[Mapping[str, Any]]:
    lines: list[dict[str, Any]] = []
    for body in bodies:
        lines += [{"index": index, "ignore_unavailable": True}, body]
    response = await client.msearch(body=lines)
    return list(response.get("responses", []))
