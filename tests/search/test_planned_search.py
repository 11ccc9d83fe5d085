"""Planned search (resolvers/planned_search.py, `Plan.plain` in schema/core/planned.py): the search
results page is answered without the executor, in a fixed number of statements however many
results, with exactly the executor's JSON and errors and the same trending counts. Hypothesis
generates the selections (connection fields, facets and their values in any subset, aliases,
fragments, @skip/@include, `__typename`, any covered course selection), the query (hits, a
misspelling the search corrects, nothing found, a blank query), filters, sorts, pages and viewers,
and holds both paths to the same bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.accounts.models import User, UserRole
from app.analytics.models import SearchQuery
from app.catalog.models import CourseLevel, CourseStatus, PricingTier
from app.db import Database, count_statements
from app.integrations.cache import bump_catalog_version
from app.learning.models import EnrollmentStatus
from app.main import create_app
from app.settings import Settings
from schema.core.planned import Plan, Unplannable
from schema.root import schema as product_schema
from schema.search import FacetValue, PriceBand, PriceBandCount, SearchFacets
from tests.support import catalog as f
from tests.support.cache import Served, _serve
from tests.support.graphql import GraphQLClient, unlimited, with_settings
from tests.support.planned import (
    both,
    examples,
    once_per_test,
    planned_count,
    same,
    selections,
    viewer_tokens,
)
from tests.support.search import reindex

SETTINGS = examples(100)

SEARCH = """query($query: String!, $filter: CourseFilter, $sort: SearchSort, $first: Int,
  $after: String) {
  searchCourses(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    %s
  }
}"""

FACETS: dict[str, list[str]] = {
    "categories": ["value", "label", "count"],
    "levels": ["value", "label", "count"],
    "languages": ["value", "label", "count"],
    "priceBands": ["band", "label", "count", "minAmount", "maxAmount"],
    "ratings": ["value", "label", "count"],
}
DIRECTIVES = ["", "", "", "@skip(if: true)", "@include(if: false)", "@include(if: true)"]
# hits, a misspelling corrected to "python", words found nowhere, instructor and tag matches
QUERIES = ["python", "python", "pyhton", "rust", "data science", "qwzxv", "Lovelace", "Ünïcødé"]
SORTS = [None, "RELEVANCE", "NEWEST", "RATING", "POPULARITY", "PRICE_ASC", "PRICE_DESC"]


def _alias(draw: st.DrawFn, name: str) -> str:
    return draw(st.sampled_from(["", "", f"a_{name}: "])) + name


@st.composite
def facet_selections(draw: st.DrawFn) -> str:
    """`facets { … }`: some facets, each with some of its values' fields, aliased or not."""
    parts = []
    for facet in draw(st.lists(st.sampled_from(sorted(FACETS)), min_size=1, max_size=5)):
        leaves = draw(st.lists(st.sampled_from(FACETS[facet]), min_size=1, max_size=5))
        inner = [_alias(draw, leaf) for leaf in leaves]
        if draw(st.booleans()):
            inner.append("__typename")
        parts.append(f"{_alias(draw, facet)} {{ {' '.join(inner)} }}")
    if draw(st.booleans()):
        parts.append("__typename")
    return f"facets {draw(st.sampled_from(DIRECTIVES))} {{ {' '.join(parts)} }}"


@st.composite
def connection_selections(draw: st.DrawFn) -> str:
    """A selection on CourseSearchConnection: some of its fields, some aliased, some under a
    directive or in a fragment (which merges with the same field outside it)."""
    node = draw(selections("Course"))
    typename = draw(st.sampled_from(["", "__typename"]))
    edge = f"edges {{ cursor node {{ {node} }} {typename} }}"
    candidates = [
        f"{_alias(draw, 'totalCount')} {draw(st.sampled_from(DIRECTIVES))}",
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }",
        "__typename",
        _alias(draw, "correctedQuery"),
        draw(facet_selections()),
        f"... on CourseSearchConnection {{ {draw(facet_selections())} }}",
        "... on CourseSearchConnection { totalCount correctedQuery }",
    ]
    chosen = draw(st.lists(st.sampled_from(candidates), max_size=5, unique=True))
    if not chosen or draw(st.integers(0, 3)):
        chosen.append(edge)
    chosen = draw(st.permutations(chosen))
    return " ".join(chosen)


@dataclass
class Shelf:
    category_id: str
    viewers: dict[str, str | None]  # name → access token


async def _shelf(client: GraphQLClient, database: Database) -> Shelf:
    """Indexed courses that make every facet, the correction and the writing count: levels,
    languages, categories, free and paid in two currencies, ratings around the thresholds,
    tags, lesson content a student may open, and a draft search never shows."""
    teacher = await f.instructor(database, first_name="Ada", last_name="Lovelace")
    other = await f.instructor(database, first_name="Grace", last_name='Hopper "Ø"')
    data, web = await f.categories(database, "Data", "Web")
    tags = await f.tags(database, "Python", "Rust")
    async with database.transaction() as session:
        made = [
            f.build_course(
                session,
                teacher.id,
                title="Python for data science",
                category_id=data.id,
                tag_ids=[tags[0].id],
                average_rating=Decimal("4.60"),
                review_count=12,
                level=CourseLevel.INTERMEDIATE,
                tiers=(f.Tier(PricingTier.BASIC, 2999), f.Tier(PricingTier.PRO, 7999)),
            ),
            f.build_course(
                session,
                teacher.id,
                title="Python web apps",
                category_id=web.id,
                tag_ids=[tags[0].id],
                average_rating=Decimal("3.80"),
                tiers=(),
                age_days=1,
            ),
            f.build_course(
                session,
                other.id,
                title="Rust systems programming",
                tag_ids=[tags[1].id],
                language="de",
                level=CourseLevel.ADVANCED,
                tiers=(f.Tier(PricingTier.BASIC, 1500),),
                currency="JPY",
                age_days=2,
            ),
            f.build_course(
                session,
                other.id,
                title='Ünïcødé "quoted" \\ python\t\x01 🎓',
                category_id=data.id,
                average_rating=Decimal("3.00"),
                language="pt-BR",
                tiers=(f.Tier(PricingTier.BASIC, 12000),),
                age_days=3,
            ),
            f.build_course(
                session,
                teacher.id,
                title="Python science drafts",
                status=CourseStatus.DRAFT,
                age_days=4,
            ),
        ]
        await session.flush()
    await reindex(database)
    student = await f.person(database)
    await f.enroll(database, student.id, made[0].id)
    await f.enroll(database, student.id, made[1].id, EnrollmentStatus.REFUNDED)
    admin = await f.person(database, UserRole.ADMIN)
    viewers = viewer_tokens(client, student=student, teacher=teacher, admin=admin)
    return Shelf(f.gid("Category", data.id), viewers)


async def shelf_of(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> Shelf:
    return await once_per_test(request, database, lambda: _shelf(client, database))


async def _second_page_cursor(client: GraphQLClient, variables: dict[str, Any]) -> str | None:
    """The cursor after the first result (through the executor), None when nothing is found."""
    outcome = await with_settings(client, graphql_planned_reads=False).execute(
        SEARCH % "pageInfo { endCursor }", {**variables, "first": 1, "after": None}
    )
    if outcome.errors or outcome.data is None:
        return None
    cursor: str | None = outcome.data["searchCourses"]["pageInfo"]["endCursor"]
    return cursor


@SETTINGS
@given(data=st.data())
async def test_a_planned_search_writes_the_executors_json_for_any_selection(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    shelf = await shelf_of(client, database, request)
    client = unlimited(client)
    filter_ = data.draw(
        st.sampled_from(
            [
                None,
                None,
                None,
                None,
                {"level": "INTERMEDIATE"},
                {"free": True},
                {"categoryId": shelf.category_id},
                {"minRating": 3.5},
                {"language": "de"},
                {"minPrice": {"amount": "20", "currency": "USD"}},
                {"tag": "rust"},
                {"tag": " PYTHON ", "level": "BEGINNER", "free": False},
                {"maxPrice": {"amount": "100", "currency": "USD"}, "minRating": 3},
                {"minRating": 9},  # refused: BAD_USER_INPUT from both
            ]
        )
    )
    variables: dict[str, Any] = {
        "query": data.draw(st.sampled_from([*QUERIES, "   "])),
        "filter": filter_,
        "first": data.draw(st.sampled_from([None, 1, 2, 5])),
    }
    sort = data.draw(st.sampled_from(SORTS))
    if sort is not None:
        variables["sort"] = sort
    page = data.draw(st.sampled_from(["first", "first", "first", "second", "second", "garbage"]))
    if page == "second":
        variables["after"] = await _second_page_cursor(client, variables)
    elif page == "garbage":
        variables["after"] = "not a cursor"
    query = SEARCH % data.draw(connection_selections())
    token = shelf.viewers[data.draw(st.sampled_from(sorted(shelf.viewers)))]

    planned, general, answered = await both(client, query, variables, token)

    event("planned" if answered else "executor")
    found = (general.data or {}).get("searchCourses") or {}
    event(f"{len(found.get('edges') or ())} edges, corrected: {bool(found.get('correctedQuery'))}")
    same(planned, general)
    # planned unless the search refused its input or a limit refused the document
    assert answered is not bool(general.errors)


PAGE = SEARCH % (
    "totalCount correctedQuery pageInfo { hasNextPage endCursor } "
    "edges { node { id title slug level language averageRating reviewCount isFree "
    "price { amount currency } category { name slug } instructor { fullName } "
    "tags { name slug } } } "
    "facets { categories { value label count } levels { value label count } "
    "languages { value label count } priceBands { band label count minAmount maxAmount } "
    "ratings { value label count } }"
)


# the cards of a search results page, no facets (bench/scenarios/searchResults.graphql)
RESULTS = SEARCH % "edges { node { id title slug price { amount currency } tags { name } } }"


@pytest.mark.parametrize(
    ("document", "statements"),
    [
        # the page, its facets with its count for trending (one statement), the documents
        (PAGE, 3),
        # the page with its count for trending (one statement), the documents
        (RESULTS, 2),
    ],
)
async def test_a_planned_search_page_runs_a_fixed_number_of_statements(
    client: GraphQLClient, database: Database, document: str, statements: int
) -> None:
    student = await f.person(database)
    await f.shelf(database, 20, category="Mobile", tag_names=("Swift", "iOS"), title="Swift apps")
    await reindex(database)
    token = f.token_for(client, student)
    counts = []
    for first in (1, 20):
        before = planned_count("planned")
        with count_statements(database.engine) as counter:
            variables = {"query": "swift", "first": first}
            outcome = await client.execute(document, variables, token=token)
        assert not outcome.errors
        assert planned_count("planned") == before + 1
        assert outcome.data is not None
        assert len(outcome.data["searchCourses"]["edges"]) == first
        if document is PAGE:
            assert outcome.data["searchCourses"]["totalCount"] == 20
        counts.append(counter.count)
    assert counts == [statements, statements]
    async with database.session() as session:
        counted = await session.scalar(select(SearchQuery).where(SearchQuery.query == "swift"))
    assert counted is not None
    # counted twice, with what the last search found: its total, or its page without facets
    assert (counted.count, counted.results_count) == (2, 20)


async def test_a_misspelled_planned_search_reports_the_correction_and_facets(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    shelf = await shelf_of(client, database, request)
    planned, general, answered = await both(
        client, PAGE, {"query": "pyhton", "first": 5}, shelf.viewers["student"]
    )
    same(planned, general)
    assert answered
    result = planned.payload("searchCourses")
    assert result["correctedQuery"] == "python"
    assert result["totalCount"] == 3  # the draft is never found
    assert {b["band"]: b["count"] for b in result["facets"]["priceBands"]} == {
        "FREE": 1,
        "FROM_20_TO_50": 1,
        "FROM_100": 1,
    }


async def test_a_selection_the_planner_does_not_cover_is_answered_by_the_executor(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    shelf = await shelf_of(client, database, request)
    query = SEARCH % "totalCount edges { node { title viewerEnrollment { nextLesson { id } } } }"
    before = planned_count("planned")
    planned, general, answered = await both(
        client, query, {"query": "python"}, shelf.viewers["student"]
    )
    same(planned, general)
    assert not answered
    assert planned_count("planned") == before
    assert not planned.errors


# --- trending: the search's side effect, directly and replayed by the response cache ---------

TRENDING_SEARCHES: list[tuple[str, dict[str, Any], str]] = [
    # (selection, variables, viewer)
    ("edges { node { title } }", {"query": "python"}, "anonymous"),
    ("edges { node { title } }", {"query": "python"}, "anonymous"),  # a cache hit
    ("totalCount facets { levels { count } }", {"query": "rust", "first": 1}, "student"),
    ("correctedQuery edges { node { slug } }", {"query": "pyhton", "first": 1}, "anonymous"),
    ("totalCount", {"query": "qwzxv"}, "student"),
    ("edges { node { title } }", {"query": "   "}, "student"),  # refused: counts nothing
    # facets skipped: the resolver still computes them, so the count is all results, not the
    # page's one
    (
        "edges { cursor } facets @skip(if: true) { levels { count } }",
        {"query": "Python", "first": 1},
        "student",
    ),
]


@asynccontextmanager
async def _app(settings: Settings, **overrides: Any) -> AsyncIterator[Served]:
    async with _serve(create_app(settings.model_copy(update=overrides))) as served:
        yield served


async def _trending_counts(
    settings: Settings, database: Database, student: User, planned: bool
) -> tuple[list[tuple[str, int, int | None]], float]:
    """The searches above over HTTP (anonymous ones through the response cache, first fresh),
    then search_queries, and how many the planned path answered."""
    async with _app(settings, graphql_planned_reads=planned) as served:
        await bump_catalog_version(served.redis)
        token = served.token(student)
        async with database.transaction() as session:
            await session.execute(delete(SearchQuery))
        before = planned_count("planned")
        caching = []
        for selection, variables, viewer in TRENDING_SEARCHES:
            headers = {} if viewer == "anonymous" else {"Authorization": f"Bearer {token}"}
            response = await served.get(SEARCH % selection, variables, headers=headers)
            caching.append(response.headers.get("x-cache"))
        answered = planned_count("planned") - before
        assert caching[:2] == ["MISS", "HIT"]
    async with database.session() as session:
        rows = await session.execute(
            select(SearchQuery.query, SearchQuery.count, SearchQuery.results_count).order_by(
                SearchQuery.query
            )
        )
        return [tuple(row) for row in rows], answered  # type: ignore[misc]


async def test_searches_count_for_trending_the_same_through_both_paths(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, settings: Settings
) -> None:
    await shelf_of(client, database, request)
    student = await f.person(database)

    planned, answered = await _trending_counts(settings, database, student, planned=True)
    general, unanswered = await _trending_counts(settings, database, student, planned=False)

    assert planned == general
    assert planned == [
        # two anonymous (one a cache hit), one corrected, one signed in with skipped facets
        ("python", 4, 3),
        ("qwzxv", 1, 0),
        ("rust", 1, 1),
    ]
    assert answered == 5  # everything but the cache hit and the refused query
    assert unanswered == 0


# --- Plan.plain on its own ---------------------------------------------------------------------


def _plain_plan(selection: str) -> tuple[Plan, GraphQLObjectType, list[FieldNode]]:
    """A plan of `{ searchCourses(query: "x") { <selection> } }`, the connection type and the
    root field's nodes."""
    schema = product_schema._schema
    document = parse(f'{{ searchCourses(query: "x") {{ {selection} }} }}')
    operation = cast(OperationDefinitionNode, document.definitions[0])
    variables = get_variable_values(schema, (), {})
    assert not isinstance(variables, list)
    connection = cast(GraphQLObjectType, schema.type_map["CourseSearchConnection"])
    nodes = [cast(FieldNode, operation.selection_set.selections[0])]
    return Plan(schema, {}, variables, None), connection, nodes


def test_plain_writes_a_value_as_the_executor_does() -> None:
    plan, connection, nodes = _plain_plan(
        "facets { __typename bands: priceBands { band minAmount maxAmount count } "
        "levels { value ... on FacetValue { label } } levels { count } languages { value } }"
    )
    facets = SearchFacets(
        categories=[],
        levels=[FacetValue(value="BEGINNER", label="Beginner", count=2)],
        languages=[],
        price_bands=[
            PriceBandCount(
                band=PriceBand.FROM_100,
                label="100+",
                count=1,
                min_amount=Decimal(100),
                max_amount=None,
            )
        ],
        ratings=[],
    )
    [facet_nodes] = plan.fields(connection, nodes).values()
    plan.check_plain(connection.fields["facets"].type, facet_nodes)

    written = plan.plain(facets, connection.fields["facets"].type, facet_nodes)

    assert written == {
        "__typename": "SearchFacets",
        "bands": [{"band": "FROM_100", "minAmount": "100", "maxAmount": None, "count": 1}],
        "levels": [{"value": "BEGINNER", "label": "Beginner", "count": 2}],
        "languages": [],
    }


def test_plain_refuses_fields_with_resolvers_and_nulls_the_type_forbids() -> None:
    plan, connection, nodes = _plain_plan("correctedQuery totalCount")
    with pytest.raises(Unplannable, match="totalCount"):
        plan.check_plain(connection, nodes)
    with pytest.raises(Unplannable, match="totalCount"):
        plan.plain(SimpleNamespace(corrected_query=None, total_count=1), connection, nodes)
    plan, connection, nodes = _plain_plan("facets { levels { count } }")
    [facet_nodes] = plan.fields(connection, nodes).values()
    facets_type = connection.fields["facets"].type
    empty = SearchFacets(categories=[], levels=[], languages=[], price_bands=[], ratings=[])
    assert plan.plain(empty, facets_type, facet_nodes) == {"levels": []}
    with pytest.raises(Unplannable):
        plan.plain(None, facets_type, facet_nodes)
    with pytest.raises(Unplannable):
        plan.plain(
            SearchFacets(categories=[], levels=None, languages=[], price_bands=[], ratings=[]),  # type: ignore[arg-type]
            facets_type,
            facet_nodes,
        )
