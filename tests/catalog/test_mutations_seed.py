"""The demo catalog of `make run`: authored through the same services as the mutations, so it is
valid by construction; seeding twice creates it once."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog.models import Category, Course, CourseStatus, Lesson
from app.seed import DEMO_CATEGORIES, DEMO_COURSES, seed
from tests.support import accounts as accounts
from tests.support.authoring import rows

LISTING = """{ courses(first: 10, sort: NEWEST) { edges { node {
  title isFree pricingTiers { tier price { amount } }
  modules { lessons { isPreview content { text } } } } } } }"""


async def test_seeding_twice_creates_the_demo_catalog_once(database) -> None:
    first, second = await seed(database), await seed(database)
    assert first["catalog"] == len(DEMO_CATEGORIES) + len(DEMO_COURSES)
    assert second["catalog"] == 0
    assert await rows(database, Category) == len(DEMO_CATEGORIES)
    async with database.session() as session:
        statuses = {c.title: c.status for c in await session.scalars(select(Course))}
    assert statuses == {
        "Python for Absolute Beginners": CourseStatus.PUBLISHED,
        "Data Analysis with pandas": CourseStatus.PUBLISHED,
        "Modern Web APIs with GraphQL": CourseStatus.DRAFT,
    }
    assert await rows(database, Lesson, Lesson.is_preview) == len(DEMO_COURSES)


async def test_the_demo_catalog_lists_a_free_and_a_tiered_course_with_a_preview(client) -> None:
    await seed(client.database)
    outcome = await client.execute(LISTING)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    listed = {e["node"]["title"]: e["node"] for e in outcome.data["courses"]["edges"]}
    assert set(listed) == {"Python for Absolute Beginners", "Data Analysis with pandas"}
    free, paid = listed["Python for Absolute Beginners"], listed["Data Analysis with pandas"]
    assert free["isFree"]
    assert free["pricingTiers"] == []
    assert len(free["modules"]) >= 3
    lessons = [lesson for module in free["modules"] for lesson in module["lessons"]]
    # anonymous callers read the preview lesson only
    assert [x["content"] is not None for x in lessons] == [x["isPreview"] for x in lessons]
    assert sum(x["isPreview"] for x in lessons) == 1
    assert [(t["tier"], t["price"]["amount"]) for t in paid["pricingTiers"]] == [
        ("BASIC", "19.99"),
        ("PRO", "49.99"),
        ("PREMIUM", "99.99"),
    ]
