"""The response cache in front of the product's catalog queries (issue 3, Property 17)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from strawberry.relay import to_base64

from app.accounts.models import User, UserRole
from app.catalog import categories, service
from app.catalog.models import Course
from app.db import Database, count_statements
from app.security.permissions import Actor
from tests.support.authoring import publishable_course, user
from tests.support.cache import ServeApp, Served

COURSE = "query Course($slug: String!) { course(slug: $slug) { title } }"
CATALOG_PAGE = """
query Page($first: Int) {
  courses(first: $first) {
    totalCount
    edges { node { title category { name } instructor { fullName } tags { name }
      pricingTiers { tier price { amount currency } } modules { title lessons { title } } } }
  }
  categories { name }
}"""


@pytest.fixture
async def product(serve_app: ServeApp) -> AsyncIterator[Served]:
    async with serve_app(product=True) as served:
        yield served


async def _published_course(database: Database, owner: User) -> Course:
    admin = Actor.of(await user(database, UserRole.ADMIN))
    created = await publishable_course(database, Actor.of(owner))
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=Actor.of(owner), course_id=created.id)
        await service.publish_course(session, actor=admin, course_id=created.id)
    return created


async def test_property_17_an_update_through_the_api_is_seen_by_the_next_anonymous_read(
    product: Served,
) -> None:
    """Property 17: after a course update, cached data is invalidated and subsequent reads
    return fresh data."""
    owner = await user(product.db)
    course = await _published_course(product.db, owner)
    variables = {"slug": course.slug}
    await product.get(COURSE, variables)
    assert (await product.get(COURSE, variables)).headers["x-cache"] == "HIT"

    update = await product.post(
        "mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { errors { code } } }",
        {"input": {"courseId": to_base64("Course", str(course.id)), "title": "Python, revised"}},
        headers={"Authorization": f"Bearer {product.token(owner)}"},
    )
    assert update.json()["data"]["updateCourse"]["errors"] == []

    fresh = await product.get(COURSE, variables)
    assert fresh.headers["x-cache"] == "MISS"
    assert fresh.json()["data"] == {"course": {"title": "Python, revised"}}


async def test_a_cached_catalog_page_runs_no_sql(product: Served) -> None:
    await _published_course(product.db, await user(product.db))
    first = await product.get(CATALOG_PAGE, {"first": 20})
    assert "errors" not in first.json(), first.json()
    assert len(first.json()["data"]["courses"]["edges"]) == 1
    with count_statements(product.db.engine) as counter:
        second = await product.get(CATALOG_PAGE, {"first": 20})
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert counter.count == 0


SEARCH = "query Search($q: String!) { searchCourses(query: $q) { edges { node { title } } } }"


async def test_searches_answered_from_the_cache_still_count_for_trending(product: Served) -> None:
    from sqlalchemy import select

    from app.analytics.models import SearchQuery
    from app.search.service import reindex_all

    await _published_course(product.db, await user(product.db))
    await reindex_all(product.db)
    title = (await product.get(COURSE, {"slug": await _any_slug(product.db)})).json()["data"]
    word = title["course"]["title"].split()[0].lower()

    first = await product.get(SEARCH, {"q": word})
    assert first.headers["x-cache"] == "MISS"
    assert first.json()["data"]["searchCourses"]["edges"], first.json()
    again = await product.get(SEARCH, {"q": word})
    assert again.headers["x-cache"] == "HIT"
    assert again.content == first.content

    async with product.db.session() as session:
        counted = await session.scalar(select(SearchQuery.count).where(SearchQuery.query == word))
    assert counted == 2


async def _any_slug(database: Database) -> str:
    from sqlalchemy import select

    async with database.session() as session:
        slug = await session.scalar(select(Course.slug).limit(1))
    assert slug is not None
    return slug


async def test_signed_in_readers_of_the_catalog_are_never_served_from_cache(
    product: Served,
) -> None:
    owner = await user(product.db)
    course = await _published_course(product.db, owner)
    await product.get(COURSE, {"slug": course.slug})
    headers = {"Authorization": f"Bearer {product.token(owner)}"}
    response = await product.get(COURSE, {"slug": course.slug}, headers=headers)
    assert "x-cache" not in response.headers
    assert response.headers["cache-control"] == "private, no-store"


async def test_my_courses_is_not_a_public_read(product: Served) -> None:
    response = await product.get("{ myCourses { totalCount } }")
    assert "x-cache" not in response.headers


CATEGORY = "query Category($slug: String!) { category(slug: $slug) { name } }"


async def test_a_category_page_is_cached_until_an_admin_changes_the_category(
    product: Served,
) -> None:
    admin = await user(product.db, UserRole.ADMIN)
    async with product.db.transaction() as session:
        created = await categories.create_category(session, actor=Actor.of(admin), name="Data")
    variables = {"slug": created.slug}
    assert (await product.get(CATEGORY, variables)).headers["x-cache"] == "MISS"
    assert (await product.get(CATEGORY, variables)).headers["x-cache"] == "HIT"

    update = await product.post(
        "mutation($input: UpdateCategoryInput!) { updateCategory(input: $input) "
        "{ errors { code } } }",
        {"input": {"categoryId": to_base64("Category", str(created.id)), "name": "Data science"}},
        headers={"Authorization": f"Bearer {product.token(admin)}"},
    )
    assert update.json()["data"]["updateCategory"]["errors"] == []

    fresh = await product.get(CATEGORY, variables)
    assert fresh.headers["x-cache"] == "MISS"
    assert fresh.json()["data"] == {"category": {"name": "Data science"}}
