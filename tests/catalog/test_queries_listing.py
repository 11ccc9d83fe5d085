"""The `courses` list: filters (Property 39), sorts (Property 41), cursor pagination, totalCount."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.catalog.filters import SORTS, CourseFilterArgs
from app.catalog.models import CourseLevel
from tests.support import accounts as accounts
from tests.support import catalog as f
from tests.support.catalog import RandomCatalog
from tests.support.graphql import GraphQLClient

HYPOTHESIS = hypothesis_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

LIST = """
query($filter: CourseFilter, $sort: CourseSort!, $first: Int, $after: String, $last: Int,
      $before: String) {
  courses(filter: $filter, sort: $sort, first: $first, after: $after, last: $last,
          before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.fixture
async def catalog(database: Any) -> RandomCatalog:
    return await f.random_catalog(database, seed=41)


_CALLS = itertools.count()


async def _page(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    variables.setdefault("sort", "POPULARITY")
    n = next(_CALLS)  # a fresh address per call: many examples must not hit the rate limit
    outcome = await client.execute(LIST, variables, ip=f"10.{n // 250 % 250}.{n % 250}.1")
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    page: dict[str, Any] = outcome.data["courses"]
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in page["edges"]]


def _valid_range(drawn: dict[str, Any]) -> bool:
    return int(drawn.get("minPrice", 0)) <= int(drawn.get("maxPrice", 10**9))


def _money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(Decimal(minor).scaleb(-2)), "currency": currency}


# A CourseFilter with any combination of fields (a valid price range in cents of one currency);
# categoryId and instructorId are indexes into the random catalog's rows, turned into ids (and
# prices into Money inputs) by `_resolved`.
FILTERS: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"currency": st.sampled_from(["USD", "EUR"])},
    optional={
        "categoryId": st.integers(0, 2),
        "level": st.sampled_from([level.name for level in CourseLevel]),
        "language": st.sampled_from(["en", "pt", "DE"]),
        "minPrice": st.sampled_from([0, 999, 1999, 5000]),
        "maxPrice": st.sampled_from([9999, 4999, 1999]),
        "free": st.booleans(),
        "minRating": st.sampled_from([0.0, 2.5, 4.5, 5.0]),
        "tag": st.sampled_from(["python", "Web Dev", "sql"]),
        "instructorId": st.integers(0, 1),
    },
).filter(_valid_range)


def _resolved(catalog: RandomCatalog, drawn: dict[str, Any]) -> dict[str, Any]:
    given = dict(drawn)
    currency = given.pop("currency")
    for bound in ("minPrice", "maxPrice"):
        if bound in given:
            given[bound] = _money(given[bound], currency)
    if "categoryId" in given:
        given["categoryId"] = f.gid("Category", catalog.categories[given["categoryId"]].id)
    if "instructorId" in given:
        given["instructorId"] = f.gid("User", catalog.instructors[given["instructorId"]].id)
    return given


def _as_args(catalog: RandomCatalog, given: dict[str, Any]) -> CourseFilterArgs:
    by_gid = {f.gid("Category", c.id): c.id for c in catalog.categories}
    by_gid |= {f.gid("User", u.id): u.id for u in catalog.instructors}
    bounds = {k: given[k] for k in ("minPrice", "maxPrice") if k in given}
    minor = {k: int(Decimal(v["amount"]).scaleb(2)) for k, v in bounds.items()}
    return CourseFilterArgs(
        category_id=by_gid.get(given.get("categoryId", "")),
        level=CourseLevel[given["level"]] if "level" in given else None,
        language=given.get("language"),
        min_price_minor=minor.get("minPrice"),
        max_price_minor=minor.get("maxPrice"),
        price_currency=next((v["currency"] for v in bounds.values()), None),
        free=given.get("free"),
        min_rating=given.get("minRating"),
        tag=given.get("tag"),
        instructor_id=by_gid.get(given.get("instructorId", "")),
    )


@HYPOTHESIS
@given(drawn=FILTERS, sort=st.sampled_from(SORTS))
async def test_property_39_and_41_filtered_sorted_lists_hold_exactly_the_matching_courses(
    client: GraphQLClient, catalog: RandomCatalog, drawn: dict[str, Any], sort: str
) -> None:
    """Property 39: every listed course matches every filter and none that matches is missing.
    Property 41: the list is in the order of the chosen sort. Over random filter combinations."""
    given_filter = _resolved(catalog, drawn)
    args = _as_args(catalog, given_filter)
    matching = [c for c in catalog.published if f.matches(c, catalog.tag_slugs[c.id], args)]
    expected = [f.gid("Course", c.id) for c in f.sorted_like(sort, matching)]

    page = await _page(client, filter=given_filter, sort=sort.upper(), first=100)

    assert _ids(page) == expected
    assert page["totalCount"] == len(expected)


async def test_property_41_every_sort_orders_the_whole_catalog(
    client: GraphQLClient, catalog: RandomCatalog
) -> None:
    for sort in SORTS:
        page = await _page(client, sort=sort.upper(), first=100)
        expected = [f.gid("Course", c.id) for c in f.sorted_like(sort, catalog.published)]
        assert _ids(page) == expected, sort


@HYPOTHESIS
@given(size=st.integers(1, 7), sort=st.sampled_from(SORTS))
async def test_paging_forwards_and_backwards_visits_every_course_once(
    client: GraphQLClient, catalog: RandomCatalog, size: int, sort: str
) -> None:
    """Cursor pagination in any sort and page size: no duplicates, no gaps, either direction."""
    everything = _ids(await _page(client, sort=sort.upper(), first=100))
    forwards: list[str] = []
    after = None
    while True:
        page = await _page(client, sort=sort.upper(), first=size, after=after)
        forwards += _ids(page)
        assert len(page["edges"]) <= size
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backwards: list[str] = []
    before = None
    while True:
        page = await _page(client, sort=sort.upper(), last=size, before=before)
        backwards = _ids(page) + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert forwards == everything
    assert backwards == everything


async def test_total_count_counts_the_whole_filtered_list_not_the_page(
    client: GraphQLClient, catalog: RandomCatalog
) -> None:
    page = await _page(client, filter={"free": False}, first=2)
    paid = [c for c in catalog.published if not c.is_free]
    assert len(page["edges"]) == 2
    assert page["totalCount"] == len(paid)
    assert page["pageInfo"]["hasNextPage"] is True


async def test_an_empty_catalog_lists_nothing(client: GraphQLClient, database: Any) -> None:
    page = await _page(client, first=5)
    assert page["edges"] == []
    assert page["totalCount"] == 0
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
