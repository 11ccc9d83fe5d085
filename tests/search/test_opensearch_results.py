"""An OpenSearch search response (a hand-written body in the shape OpenSearch 2.x returns, see
opensearch_responses/) read as the interface's page and facets (Properties 40 and 41)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from app.pagination import PageRequest, decode_cursor, encode_cursor
from app.search.interface import SearchSort
from app.search.opensearch.query import sort_keys
from app.search.opensearch.results import facets_from, page_from

RESPONSES = Path(__file__).parent / "opensearch_responses"
KEYS = sort_keys(SearchSort.RELEVANCE)


def response() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((RESPONSES / "search_page.json").read_text())
    return body


def hit_ids(body: dict[str, Any]) -> list[uuid.UUID]:
    return [uuid.UUID(h["_id"]) for h in body["hits"]["hits"]]


def test_property_41_a_page_lists_the_hits_in_order_and_one_extra_hit_means_a_next_page() -> None:
    body = response()
    page = page_from(body, PageRequest.create(first=2), KEYS, total=7)

    assert page.items == hit_ids(body)[:2]
    assert (page.has_next, page.has_previous, page.total_count) == (True, False, 7)
    assert [list(decode_cursor(c)) for c in page.cursors] == [
        h["sort"] for h in body["hits"]["hits"][:2]
    ]


def test_the_last_page_has_no_next_page() -> None:
    body = response()
    after = encode_cursor([9.5, "0193a1b2-7c4e-7d10-8e21-5f0c9a3b4d00"])
    page = page_from(body, PageRequest.create(first=3, after=after), KEYS, total=None)

    assert page.items == hit_ids(body)
    assert (page.has_next, page.has_previous, page.total_count) == (False, True, None)


def test_a_page_read_backwards_comes_in_reading_order() -> None:
    body = response()  # hits of a reversed sort: nearest the `before` cursor first
    before = encode_cursor([0.5, "0193a1b2-7c4e-7d10-8e21-5f0c9a3b4000"])
    page = page_from(body, PageRequest.create(last=2, before=before), KEYS, total=None)

    assert page.items == hit_ids(body)[:2][::-1]
    assert (page.has_next, page.has_previous) == (True, True)


def test_a_page_between_two_cursors_stops_at_the_second() -> None:
    body = response()
    first, _, third = body["hits"]["hits"]
    request = PageRequest.create(
        first=5, after=encode_cursor([9.0, "0"]), before=encode_cursor(third["sort"])
    )
    page = page_from(body, request, KEYS, total=None)

    assert page.items == hit_ids(body)[:2]
    assert not page.has_next
    assert uuid.UUID(first["_id"]) == page.items[0]


def test_property_40_facets_keep_every_count_and_are_ordered_and_labelled_as_postgres_does() -> (
    None
):
    facets = facets_from(response())

    assert facets.total == 7
    assert [(v.label, v.count) for v in facets.categories] == [
        ("Data science", 3),  # equal counts: by label
        ("Web development", 3),
    ]
    assert facets.categories[0].value == "0193a1b0-0000-7000-8000-00000000000a"
    assert [(v.value, v.label, v.count) for v in facets.levels] == [
        ("beginner", "Beginner", 3),  # the levels' own order, not by count
        ("intermediate", "Intermediate", 4),
    ]
    assert [(v.value, v.count) for v in facets.languages] == [("en", 5), ("de", 1), ("pt", 1)]
    assert [(v.value, v.label, v.count) for v in facets.price_bands] == [
        ("free", "Free", 2),
        ("under_20", "Under 20", 3),
        ("from_100", "100 and more", 2),
    ]
    assert [(v.label, v.count) for v in facets.ratings] == [
        ("4 and up", 2),  # 4.5 counted nothing: left out
        ("3.5 and up", 4),
        ("3 and up", 5),
    ]


def test_a_response_without_aggregations_has_empty_facets_and_its_total() -> None:
    body = response()
    del body["aggregations"]
    facets = facets_from(body)
    assert facets.total == 7
    assert facets.categories == facets.levels == facets.ratings == []
