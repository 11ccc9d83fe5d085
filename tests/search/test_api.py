"""searchCourses, autocomplete and trendingSearches over GraphQL, and the input they refuse."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

from app.catalog.models import CourseLevel
from app.db import Database
from app.search.models import SearchTerm
from tests.support.graphql import GraphQLClient
from tests.support.search import category, course, person, reindex

SEARCH = """
query($query: String!, $filter: CourseFilter, $sort: SearchSort, $first: Int, $after: String) {
  searchCourses(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    correctedQuery
    edges { cursor node { id title slug category { name } } }
    pageInfo { hasNextPage endCursor }
    facets {
      categories { value label count }
      levels { value label count }
      languages { value label count }
      priceBands { band label count minAmount maxAmount }
      ratings { value label count }
    }
  }
}"""


@pytest.fixture
async def web(database: Database) -> dict[str, Any]:
    owner = await person(database, first="Tim", last="Berners")
    web_cat = await category(database, "Web")
    made = [
        await course(
            database,
            owner,
            title="Django web apps",
            category_id=web_cat.id,
            level=CourseLevel.INTERMEDIATE,
            min_price_minor=2999,
            average_rating=4.6,
        ),
        await course(database, owner, title="Flask web services", is_free=True, average_rating=3.8),
        await course(database, owner, title="Unrelated baking"),
    ]
    await reindex(database)
    return {"category": web_cat, "courses": made}


async def run(client: GraphQLClient, query: str, **variables: Any) -> Any:
    return await client.execute(SEARCH, {"query": query, **variables})


async def test_search_returns_a_connection_with_counts_facets_and_nested_course_fields(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    outcome = await run(client, "web")

    result = outcome.payload("searchCourses")
    assert result["totalCount"] == 2
    assert result["correctedQuery"] is None
    assert {e["node"]["title"] for e in result["edges"]} == {
        "Django web apps",
        "Flask web services",
    }
    facets = result["facets"]
    category_id = to_base64("Category", str(web["category"].id))
    assert facets["categories"] == [{"value": category_id, "label": "Web", "count": 1}]
    assert {f["value"]: f["count"] for f in facets["levels"]} == {"BEGINNER": 1, "INTERMEDIATE": 1}
    assert facets["languages"] == [{"value": "en", "label": "en", "count": 2}]
    assert facets["priceBands"] == [
        {"band": "FREE", "label": "Free", "count": 1, "minAmount": "0", "maxAmount": "0"},
        {
            "band": "FROM_20_TO_50",
            "label": "20 to 50",
            "count": 1,
            "minAmount": "20",
            "maxAmount": "50",
        },
    ]
    assert {f["value"]: f["count"] for f in facets["ratings"]} == {
        "4.5": 1,
        "4": 1,
        "3.5": 2,
        "3": 2,
    }


async def test_a_facet_value_is_accepted_back_as_a_filter(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    facets = (await run(client, "web")).payload("searchCourses")["facets"]
    [level] = [f["value"] for f in facets["levels"] if f["label"] == "Intermediate"]
    narrowed = await run(
        client, "web", filter={"categoryId": facets["categories"][0]["value"], "level": level}
    )
    result = narrowed.payload("searchCourses")
    assert [e["node"]["title"] for e in result["edges"]] == ["Django web apps"]
    assert result["edges"][0]["node"]["category"] == {"name": "Web"}


async def test_a_misspelled_query_reports_the_correction(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    result = (await run(client, "djnago")).payload("searchCourses")
    assert result["correctedQuery"] == "django"
    assert [e["node"]["title"] for e in result["edges"]] == ["Django web apps"]


async def test_pages_follow_the_cursor(client: GraphQLClient, web: dict[str, Any]) -> None:
    first = (await run(client, "web", first=1, sort="PRICE_ASC")).payload("searchCourses")
    assert [e["node"]["title"] for e in first["edges"]] == ["Flask web services"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (
        await run(client, "web", first=1, sort="PRICE_ASC", after=first["pageInfo"]["endCursor"])
    ).payload("searchCourses")
    assert [e["node"]["title"] for e in rest["edges"]] == ["Django web apps"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_autocomplete_and_trending_searches_over_graphql(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    await run(client, "django")
    outcome = await client.execute(
        """{ autocomplete(prefix: "dja", limit: 3) { text kind courseSlug }
             trendingSearches(limit: 5) }"""
    )
    data = outcome.payload("autocomplete")
    assert {"text": "django", "kind": "TERM", "courseSlug": None} in data
    assert {
        "text": "Django web apps",
        "kind": "COURSE",
        "courseSlug": web["courses"][0].slug,
    } in data
    assert outcome.payload("trendingSearches") == ["django"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"query": "   "}, "Type something"),
        ({"query": "x" * 201}, "at most 200"),
        ({"query": "web", "filter": {"minPrice": {"amount": "-1", "currency": "USD"}}}, "negative"),
        (
            {"query": "web", "filter": {"minPrice": {"amount": "19.999", "currency": "USD"}}},
            "2 decimals",
        ),
        ({"query": "web", "filter": {"minRating": 7}}, "between 0 and 5"),
        ({"query": "web", "first": 0}, "between 1 and"),
        ({"query": "web", "after": "garbage"}, "not a valid cursor"),
    ],
)
async def test_bad_search_input_is_a_bad_user_input_error_and_records_nothing(
    client: GraphQLClient, database: Database, variables: dict[str, Any], message: str
) -> None:
    outcome = await client.execute(SEARCH, variables)

    assert outcome.data is None
    assert outcome.codes == ["BAD_USER_INPUT"]
    assert message in outcome.errors[0].message
    assert (await client.execute("{ trendingSearches }")).payload("trendingSearches") == []


@pytest.mark.parametrize(
    "field",
    [
        'autocomplete(prefix: "py", limit: 0) { text }',
        'autocomplete(prefix: "py", limit: 21) { text }',
        "trendingSearches(limit: 0)",
        "trendingSearches(limit: 51)",
    ],
)
async def test_limits_outside_their_range_are_refused(client: GraphQLClient, field: str) -> None:
    outcome = await client.execute(f"{{ {field} }}")
    assert outcome.codes == ["BAD_USER_INPUT"]


async def test_a_prefix_longer_than_100_characters_is_refused(client: GraphQLClient) -> None:
    outcome = await client.execute(
        "query($p: String!) { autocomplete(prefix: $p) { text } }", {"p": "a" * 101}
    )
    assert outcome.codes == ["BAD_USER_INPUT"]


async def test_search_runs_a_fixed_number_of_statements_whatever_the_page_size(
    client: GraphQLClient, database: Database
) -> None:
    from app.db import count_statements

    owner = await person(database)
    for n in range(12):
        await course(database, owner, title=f"Swift {n}", tags=["ios"])
    await reindex(database)
    counts = []
    for first in (1, 12):
        with count_statements(database.engine) as counter:
            outcome = await run(client, "swift", first=first)
        assert len(outcome.payload("searchCourses")["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]
    async with database.session() as session:
        assert await session.get(SearchTerm, "swift") is not None


@pytest.mark.parametrize("text", ["the", "a & | !", "'\"", "c++ & (", "ünïcødé wörds"])
async def test_odd_queries_and_prefixes_never_fail(
    client: GraphQLClient, web: dict[str, Any], text: str
) -> None:
    assert (await run(client, text)).payload("searchCourses")["edges"] == []
    outcome = await client.execute(
        "query($p: String!) { autocomplete(prefix: $p) { text } }", {"p": text}
    )
    assert not outcome.errors


@pytest.mark.parametrize(
    ("document", "field", "code"),
    [
        ('{ searchCourses(query: " ") { totalCount } }', "query", "REQUIRED"),
        ('{ autocomplete(prefix: "py", limit: 99) { text } }', "limit", "OUT_OF_RANGE"),
        ("{ trendingSearches(limit: 0) }", "limit", "OUT_OF_RANGE"),
    ],
)
async def test_refused_search_input_names_the_argument_and_a_published_code(
    client: GraphQLClient, document: str, field: str, code: str
) -> None:
    outcome = await client.execute(document)

    [error] = outcome.errors
    assert [(f["field"], f["code"]) for f in error.extensions["fields"]] == [(field, code)]


async def test_a_price_filter_is_an_amount_in_a_currency(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    outcome = await run(client, "web", filter={"minPrice": {"amount": "20", "currency": "USD"}})

    titles = [e["node"]["title"] for e in outcome.payload("searchCourses")["edges"]]
    assert titles == ["Django web apps"]  # 29.99 USD; the free course counts as 0


async def test_an_id_of_nothing_in_a_filter_finds_nothing(
    client: GraphQLClient, web: dict[str, Any]
) -> None:
    outcome = await run(client, "web", filter={"categoryId": "nope"})

    assert outcome.payload("searchCourses")["edges"] == []
