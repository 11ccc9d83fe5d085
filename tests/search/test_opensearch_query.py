"""The OpenSearch request built from the query, CourseFilterArgs, the sort and the page: filters
are filter clauses with the catalog's rules (Property 39, checked by evaluating the clauses on
documents), typo tolerance is `fuzziness: AUTO`, sorts end with the id tie-breaker (Property 41),
facets are aggregations over the same query (Property 40)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.filters import CourseFilterArgs, course_filter_values
from app.catalog.models import CourseLevel
from app.pagination import InvalidPageRequest, PageRequest, encode_cursor
from app.search.interface import SearchSort
from app.search.opensearch.backend import check_cursors
from app.search.opensearch.query import (
    beyond,
    filter_clauses,
    match_clause,
    search_body,
    simple_query,
    sort_keys,
)

CATEGORIES = [uuid.UUID(int=n) for n in (1, 2)]
PEOPLE = [uuid.UUID(int=n) for n in (10, 11)]
TAGS = [("python", "Python"), ("web-apps", "Web apps")]  # (slug, name)

DOCUMENTS = st.fixed_dictionaries(
    {
        "category_id": st.sampled_from([None, *(str(c) for c in CATEGORIES)]),
        "level": st.sampled_from([level.value for level in CourseLevel]),
        "language": st.sampled_from(["en", "pt", "de"]),
        "currency": st.sampled_from(["USD", "EUR"]),
        "is_free": st.booleans(),
        "min_price_minor": st.sampled_from([0, 999, 2000, 5000, 10000]),
        "average_rating": st.sampled_from([None, 3.0, 3.5, 4.0, 4.5]),
        "tags": st.lists(st.sampled_from(TAGS), unique=True, max_size=2),
        "instructor_id": st.sampled_from([str(p) for p in PEOPLE]),
    }
)
FILTERS = st.builds(
    CourseFilterArgs,
    category_id=st.sampled_from([None, *CATEGORIES]),
    level=st.sampled_from([None, *CourseLevel]),
    language=st.sampled_from([None, "EN", " pt "]),
    min_price_minor=st.sampled_from([None, 0, 1000, 5000]),
    max_price_minor=st.sampled_from([None, 2000, 9999]),
    price_currency=st.sampled_from([None, "USD"]),
    free=st.sampled_from([None, True, False]),
    min_rating=st.sampled_from([None, 3.5, 4.0]),
    tag=st.sampled_from([None, "python", " WEB APPS ", "web-apps"]),
    instructor_id=st.sampled_from([None, *PEOPLE]),
)


def _field(doc: dict[str, Any], name: str) -> list[Any]:
    if name == "tag_slugs":
        return [slug for slug, _ in doc["tags"]]
    if name == "tag_names":
        return [tag.lower() for _, tag in doc["tags"]]
    return [doc[name]]


def holds(clause: dict[str, Any], doc: dict[str, Any]) -> bool:
    """OpenSearch's meaning of the term / range / bool-should clauses the builder writes."""
    ((kind, body),) = clause.items()
    if kind == "term":
        ((name, value),) = body.items()
        return value in _field(doc, name)
    if kind == "range":
        ((name, bounds),) = body.items()
        value = doc[name]
        return value is not None and all(
            value >= b if op == "gte" else value <= b for op, b in bounds.items()
        )
    assert kind == "bool"
    assert set(body) == {"should", "minimum_should_match"}
    return any(holds(c, doc) for c in body["should"])


def keeps(doc: dict[str, Any], a: CourseFilterArgs) -> bool:
    """The catalog's filter rules (app.catalog.filters) written out independently."""
    rating = doc["average_rating"]
    tag = a.tag.strip() if a.tag else None
    return (
        (a.category_id is None or doc["category_id"] == str(a.category_id))
        and (a.level is None or doc["level"] == str(a.level))
        and (a.language is None or doc["language"] == a.language.strip().lower())
        and (a.price_currency is None or doc["currency"] == a.price_currency or doc["is_free"])
        and (a.min_price_minor is None or doc["min_price_minor"] >= a.min_price_minor)
        and (a.max_price_minor is None or doc["min_price_minor"] <= a.max_price_minor)
        and (a.free is None or doc["is_free"] == a.free)
        and (a.min_rating is None or (rating is not None and rating >= a.min_rating))
        and (
            tag is None
            or any(slug == tag.lower() or name.lower() == tag.lower() for slug, name in doc["tags"])
        )
        and (a.instructor_id is None or doc["instructor_id"] == str(a.instructor_id))
    )


@given(doc=DOCUMENTS, args=FILTERS)
def test_property_39_the_filter_clauses_keep_exactly_the_courses_the_catalog_filter_keeps(
    doc: dict[str, Any], args: CourseFilterArgs
) -> None:
    clauses = filter_clauses(course_filter_values(args))
    assert all(holds(c, doc) for c in clauses) == keeps(doc, args)


@given(args=FILTERS)
def test_filters_are_filter_clauses_beside_the_match_and_never_score(
    args: CourseFilterArgs,
) -> None:
    body = search_body(
        "python",
        course_filter_values(args),
        SearchSort.RELEVANCE,
        PageRequest.create(first=5),
        with_facets=True,
    )
    query = body["query"]["bool"]
    assert query["filter"] == [match_clause("python"), *filter_clauses(course_filter_values(args))]
    assert set(query) == {"filter", "should"}  # relevance only from the `should` clauses
    assert "post_filter" not in body  # facets count over every filter, their own included


def test_the_typo_tolerant_query_matches_with_fuzziness_auto_and_the_exact_one_does_not() -> None:
    values = course_filter_values(CourseFilterArgs())
    request = PageRequest.create(first=5)
    exact = search_body("pyhton", values, SearchSort.RELEVANCE, request, with_facets=False)
    fuzzy = search_body(
        "pyhton", values, SearchSort.RELEVANCE, request, with_facets=False, fuzzy=True
    )

    assert "AUTO" not in str(exact)
    assert fuzzy["query"]["bool"]["filter"][0] == {
        "match": {"all_text": {"query": "pyhton", "operator": "and", "fuzziness": "AUTO"}}
    }
    tiers = fuzzy["query"]["bool"]["should"]
    assert all(
        t["constant_score"]["filter"]["multi_match"]["fuzziness"] == "AUTO" for t in tiers[:4]
    )


def test_every_word_must_match_and_or_and_minus_and_quotes_keep_their_web_meaning() -> None:
    clause = match_clause('"machine learning" or python -java')["simple_query_string"]
    assert clause["default_operator"] == "and"
    assert clause["query"] == '"machine learning" | python -java'
    assert set(clause["flags"].split("|")) == {"OR", "NOT", "PHRASE", "WHITESPACE"}
    assert simple_query("oregon OR color") == "oregon | color"


def test_title_outranks_any_sum_of_the_other_fields() -> None:
    tiers = search_body(
        "x", {}, SearchSort.RELEVANCE, PageRequest.create(first=1), with_facets=False
    )["query"]["bool"]["should"]
    boosts = [t["constant_score"]["boost"] for t in tiers[:4]]
    bm25 = next(iter(tiers[4].values()))["boost"]
    assert [t["constant_score"]["filter"]["simple_query_string"]["fields"] for t in tiers[:4]] == [
        ["title"],
        ["tags"],
        ["instructors"],
        ["description"],
    ]
    for i, boost in enumerate(boosts):
        assert boost > sum(boosts[i + 1 :]) + bm25 * 500  # BM25 scores stay far below 500


def test_property_41_every_sort_ends_with_the_id_in_its_first_keys_direction() -> None:
    expected = {
        SearchSort.RELEVANCE: [{"_score": "desc"}, {"id": "desc"}],
        SearchSort.POPULARITY: [
            {"popularity_score": "desc"},
            {"enrollment_count": "desc"},
            {"id": "desc"},
        ],
        SearchSort.RATING: [{"rating_sort": "desc"}, {"review_count": "desc"}, {"id": "desc"}],
        SearchSort.NEWEST: [{"sort_date": "desc"}, {"id": "desc"}],
        SearchSort.PRICE_ASC: [{"min_price_minor": "asc"}, {"id": "asc"}],
        SearchSort.PRICE_DESC: [{"min_price_minor": "desc"}, {"id": "desc"}],
        SearchSort.TRENDING: [{"trending_score": "desc"}, {"id": "desc"}],
    }
    for sort, clause in expected.items():
        forwards = search_body("x", {}, sort, PageRequest.create(first=3), with_facets=False)
        assert forwards["sort"] == clause
        cursor = encode_cursor([1] * len(clause))
        backwards = search_body(
            "x", {}, sort, PageRequest.create(last=3, before=cursor), with_facets=False
        )
        flipped = [{k: "asc" if v == "desc" else "desc" for k, v in c.items()} for c in clause]
        assert backwards["sort"] == flipped
        assert backwards["search_after"] == [1] * len(clause)


def test_a_page_asks_for_one_hit_more_the_exact_total_and_facets_only_when_wanted() -> None:
    after = encode_cursor([2.5, "0193a1b2-7c4e-7d10-8e21-5f0c9a3b4d01"])
    body = search_body(
        "x", {}, SearchSort.RELEVANCE, PageRequest.create(first=20, after=after), with_facets=True
    )
    assert (body["size"], body["track_total_hits"]) == (21, True)
    assert body["search_after"] == [2.5, "0193a1b2-7c4e-7d10-8e21-5f0c9a3b4d01"]
    assert set(body["aggs"]) == {"categories", "levels", "languages", "price_bands", "ratings"}
    ratings = body["aggs"]["ratings"]["filters"]["filters"]
    assert ratings["4.5"] == {"range": {"average_rating": {"gte": 4.5}}}
    plain = search_body("x", {}, SearchSort.RELEVANCE, PageRequest.create(), with_facets=False)
    assert "aggs" not in plain
    assert "search_after" not in plain


@given(
    a=st.lists(st.integers(-3, 3), min_size=2, max_size=2),
    b=st.lists(st.integers(-3, 3), min_size=2, max_size=2),
    descending=st.booleans(),
)
def test_beyond_is_the_keys_order(a: list[int], b: list[int], descending: bool) -> None:
    keys = [("n", descending), ("id", descending)]
    ordered = tuple(b) > tuple(a) if not descending else tuple(b) < tuple(a)
    assert beyond(b, a, keys) == ordered


def test_sort_keys_name_the_tie_breaker_last() -> None:
    for sort in SearchSort:
        assert sort_keys(sort)[-1][0] == "id"


def test_excluded_words_never_score_a_course() -> None:
    tiers = search_body(
        'python -java -"web apps"',
        {},
        SearchSort.RELEVANCE,
        PageRequest.create(),
        with_facets=False,
    )["query"]["bool"]["should"]
    for tier in tiers[:4]:
        assert tier["constant_score"]["filter"]["simple_query_string"]["query"].split() == [
            "python"
        ]


def test_a_cursor_of_another_sort_or_of_the_postgresql_backend_is_refused_before_any_request() -> (
    None
):
    keys = sort_keys(SearchSort.RATING)
    own = PageRequest.create(first=2, after=encode_cursor([4.5, 3, "0193a1b2-7c4e"]))
    check_cursors(keys, own)
    postgres = encode_cursor([Decimal("4.5"), 3, uuid.UUID(int=5)])  # typed values of PG keys
    for cursor in (postgres, encode_cursor([4.5, "0193a1b2-7c4e"])):
        with pytest.raises(InvalidPageRequest, match="after"):
            check_cursors(keys, PageRequest.create(first=2, after=cursor))
