"""Anonymous public catalog reads are answered from the Redis response cache (issue 3) — on a
stand-in schema whose root fields carry the cacheable names and count their executions."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from sqlalchemy import update

from app.admin.models import TrustedDocument
from app.catalog.models import Category
from app.clock import utcnow
from app.db import count_statements
from app.integrations.cache import bump_catalog_version
from tests.support.accounts import make_user
from tests.support.cache import CALLS, ServeApp, Served, add_category, closed_port

CATEGORIES = "{ categories }"
COURSE = "query Course($slug: String!) { course(slug: $slug) }"


async def test_an_anonymous_repeat_read_is_a_hit_that_runs_no_sql(served: Served) -> None:
    await add_category(served.db, "Python")
    first = await served.get(CATEGORIES)
    with count_statements(served.db.engine) as counter:
        second = await served.get(CATEGORIES)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.json()["data"] == {"categories": ["Python"]}
    assert second.content == first.content
    assert counter.count == 0
    assert CALLS["categories"] == 1


async def test_reads_over_post_are_cached_too(served: Served) -> None:
    await served.post(CATEGORIES)
    second = await served.post(CATEGORIES)
    assert second.headers["x-cache"] == "HIT"
    assert CALLS["categories"] == 1


async def test_every_cacheable_root_field_is_cached(served: Served) -> None:
    query = '{ searchCourses(query: "py") autocomplete(prefix: "py") trendingSearches courses }'
    await served.get(query)
    second = await served.get(query)
    assert second.headers["x-cache"] == "HIT"
    assert CALLS["searchCourses"] == CALLS["autocomplete"] == CALLS["courses"] == 1


async def test_root_fields_selected_through_fragments_are_cached(served: Served) -> None:
    query = "query { ...Root ... on Query { __typename } } fragment Root on Query { categories }"
    await served.get(query)
    assert (await served.get(query)).headers["x-cache"] == "HIT"


async def test_authenticated_requests_are_never_cached_nor_served_from_cache(
    served: Served,
) -> None:
    await served.get(CATEGORIES)  # warms the cache anonymously
    headers = {"Authorization": f"Bearer {served.token()}"}
    responses = [await served.get(CATEGORIES, headers=headers) for _ in range(2)]
    assert CALLS["categories"] == 3
    for response in responses:
        assert "x-cache" not in response.headers
        assert "etag" not in response.headers
        assert response.headers["cache-control"] == "private, no-store"


async def test_a_request_with_a_rejected_token_is_neither_cached_nor_answered_from_cache(
    served: Served,
) -> None:
    await served.get(CATEGORIES)  # an anonymous read fills the cache
    for _ in range(2):
        response = await served.get(CATEGORIES, headers={"Authorization": "Bearer garbage"})
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "TOKEN_INVALID"
        assert "x-cache" not in response.headers
    assert CALLS["categories"] == 1  # refused before execution, never served the cached entry


async def test_mutations_are_never_cached(served: Served) -> None:
    for _ in range(2):
        response = await served.post("mutation { renameCategories }")
        assert response.json()["data"] == {"renameCategories": 0}
        assert "x-cache" not in response.headers
    assert CALLS["renameCategories"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "{ categories viewer }",
        "{ viewer }",
        "{ categories ping }",
        '{ node(id: "V2lkZ2V0Oncx") { id } }',
        "{ __schema { queryType { name } } }",
        '{ categories __type(name: "Query") { name } }',
        "{ __typename }",
        "query A { categories } query B { categories }",
    ],
)
async def test_operations_outside_the_public_catalog_are_not_cached(
    served: Served, query: str
) -> None:
    for _ in range(2):
        response = await served.get(query)
        assert "x-cache" not in response.headers
        assert response.headers["cache-control"] == "no-store"


async def test_the_selected_operation_decides_when_a_document_has_several(served: Served) -> None:
    document = "query Public { categories } query Private { viewer }"
    for name, cached in (("Public", "HIT"), ("Private", None)):
        for _ in range(2):
            response = await served.http.post(
                "/graphql", json={"query": document, "operationName": name}
            )
        assert response.headers.get("x-cache") == cached


async def test_different_variables_are_different_entries(served: Served) -> None:
    await add_category(served.db, "Python")
    await add_category(served.db, "Rust")
    for slug, name in (("python", "Python"), ("rust", "Rust"), ("python", "Python")):
        response = await served.get(COURSE, {"slug": slug})
        assert response.json()["data"] == {"course": name}
    assert CALLS["course"] == 2
    assert (await served.get(COURSE, {"slug": "rust"})).headers["x-cache"] == "HIT"


async def test_equal_requests_share_an_entry_whatever_the_layout(served: Served) -> None:
    await served.post(
        "query($first: Int, $cookie: Boolean) { courses(first: $first, cookie: $cookie) }",
        {"first": 2, "cookie": False},
    )
    again = await served.post(
        "query ( $first : Int , $cookie : Boolean ) {\n"
        "  courses( first: $first, cookie: $cookie )\n}",
        {"cookie": False, "first": 2},
    )
    assert again.headers["x-cache"] == "HIT"


async def test_property_17_after_a_change_and_a_bump_the_next_read_is_fresh(
    served: Served,
) -> None:
    """Property 17: after a course update, cached data is invalidated and subsequent reads
    return fresh data."""
    await add_category(served.db, "Python")
    await served.get(CATEGORIES)
    async with served.db.transaction() as session:
        await session.execute(update(Category).values(name="Python 3"))
    stale = await served.get(CATEGORIES)
    assert stale.json()["data"] == {"categories": ["Python"]}  # the cache is in front
    await bump_catalog_version(served.redis)
    fresh = await served.get(CATEGORIES)
    assert fresh.headers["x-cache"] == "MISS"
    assert fresh.json()["data"] == {"categories": ["Python 3"]}
    assert (await served.get(CATEGORIES)).json()["data"] == {"categories": ["Python 3"]}


async def test_errors_are_not_cached(served: Served) -> None:
    for _ in range(2):
        response = await served.get(COURSE, {"slug": "missing"})
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
    assert CALLS["course"] == 2


async def test_responses_that_set_cookies_are_not_cached(served: Served) -> None:
    for _ in range(2):
        await served.get("{ courses(cookie: true) }")
    assert CALLS["courses"] == 2


async def test_a_disabled_cache_executes_every_read(serve_app: ServeApp) -> None:
    async with serve_app(catalog_cache_ttl_seconds=0) as served:
        for _ in range(2):
            response = await served.get(CATEGORIES)
            assert "x-cache" not in response.headers
            assert "etag" not in response.headers
    assert CALLS["categories"] == 2


async def test_reads_still_work_when_redis_is_down(serve_app: ServeApp) -> None:
    async with serve_app(redis_url=f"redis://127.0.0.1:{closed_port()}/0") as served:
        await add_category(served.db, "Python")
        for _ in range(2):
            response = await served.get(CATEGORIES)
            assert response.status_code == 200
            assert response.json()["data"] == {"categories": ["Python"]}
    assert CALLS["categories"] == 2


async def test_each_locale_has_its_own_entry(served: Served) -> None:
    """Amounts are written for the reader's locale (`Money.formatted`): a page cached for a
    French reader is not served to an English one."""
    await add_category(served.db, "Python")
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    first = await served.get(CATEGORIES, headers=french)
    english = await served.get(CATEGORIES, headers={"Accept-Language": "en-US"})
    again = await served.get(CATEGORIES, headers=french)
    assert [r.headers["x-cache"] for r in (first, english, again)] == ["MISS", "MISS", "HIT"]
    assert "Accept-Language" in first.headers["vary"]
    assert CALLS["categories"] == 2


async def test_the_same_bytes_with_another_content_type_are_planned_again(
    served: Served,
) -> None:
    """Planning is kept per request bytes *and* content type: a body the cache knows, sent as
    something other than JSON, is still refused (415), not answered from the cache."""
    body = orjson.dumps({"query": CATEGORIES})
    for _ in range(2):
        cached = await served.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert cached.headers["x-cache"] == "HIT"
    refused = await served.http.post(
        "/graphql", content=body, headers={"content-type": "text/plain"}
    )
    assert refused.status_code == 415


async def test_a_revoked_trusted_document_is_not_answered_from_the_cache(
    served: Served,
) -> None:
    """Only requests that carry their document's text are planned once per request bytes: a
    trusted document is looked up every time, so once revoked its cached answer is not served."""
    user = await make_user(served.db)
    text = "query Cats { categories }"
    sha = hashlib.sha256(text.encode()).hexdigest()
    async with served.db.transaction() as session:
        session.add(
            TrustedDocument(
                owner_id=user.id, manifest="web", sha256=sha, operation_name="Cats", document=text
            )
        )
    body = {"documentId": f"sha256:{sha}"}
    for _ in range(2):
        response = await served.http.post("/graphql", json=body)
    assert response.headers["x-cache"] == "HIT"
    async with served.db.transaction() as session:
        await session.execute(
            update(TrustedDocument).where(TrustedDocument.sha256 == sha).values(revoked_at=utcnow())
        )

    after = await served.http.post("/graphql", json=body)

    assert after.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "x-cache" not in after.headers or after.headers["x-cache"] != "HIT"
