"""The demo catalog of `make run`: authored through the same services as the mutations, so it is
valid by construction; seeding twice creates it once."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.accounts.service import get_user_by_email
from app.catalog import categories, reads, service
from app.catalog.models import Category, Course, CourseStatus, Lesson
from app.security.permissions import Actor
from app.seed import DEMO_CATEGORIES, DEMO_COURSES, DEMO_USERS, seed
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


async def _admin_and_category_ids(database) -> tuple[Actor, dict[str, uuid.UUID]]:
    async with database.session() as session:
        admin = await get_user_by_email(session, DEMO_USERS[0].email)
        assert admin is not None
        rows_ = await session.scalars(select(Category))
        return Actor.of(admin), {c.slug: c.id for c in rows_}


async def test_seeding_again_after_users_edited_the_demo_data_creates_nothing_and_never_fails(
    database,
) -> None:
    """`make run` seeds on every start: renamed, re-slugged and replaced demo rows must not stop
    it (the seed used to look a category up by name, then recreate one whose slug existed)."""
    await seed(database)
    admin, ids = await _admin_and_category_ids(database)
    async with database.transaction() as session:
        await categories.update_category(
            session, actor=admin, category_id=ids["programming"], name="Coding"
        )
        await categories.update_category(
            session, actor=admin, category_id=ids["design"], slug="visual-design"
        )
        await categories.update_category(
            session, actor=admin, category_id=ids["business"], slug="biz", name="Biz"
        )
        await categories.create_category(session, actor=admin, name="Finance", slug="business")
        python = (await reads.courses_by_slugs(session, ["python-for-absolute-beginners"]))[0]
        assert python is not None
        owner = await session.get(User, python.instructor_id)
        assert owner is not None
        await service.update_course(
            session, actor=Actor.of(owner), course_id=python.id, title="Python, gently"
        )
    again = await seed(database)
    assert again["catalog"] == 0
    assert await rows(database, Category) == len(DEMO_CATEGORIES) + 1
    assert await rows(database, Course) == len(DEMO_COURSES)


async def test_a_demo_course_renamed_to_a_new_slug_is_authored_again_once(database) -> None:
    """Title and slug changed: nothing identifies it as the demo course any more, so the seed
    authors the demo course again — once; seeding after that creates nothing."""
    await seed(database)
    async with database.transaction() as session:
        python = (await reads.courses_by_slugs(session, ["python-for-absolute-beginners"]))[0]
        assert python is not None
        owner = await session.get(User, python.instructor_id)
        assert owner is not None
        await service.update_course(
            session,
            actor=Actor.of(owner),
            course_id=python.id,
            title="Python, gently",
            regenerate_slug=True,
        )
    assert (await seed(database))["catalog"] == 1
    assert (await seed(database))["catalog"] == 0
    assert await rows(database, Course) == len(DEMO_COURSES) + 1


async def test_seeding_skips_what_it_can_no_longer_create_and_completes(database) -> None:
    """A demo category renamed away while the demo admin lost the role: the seed cannot create
    it again; it says so and completes (the rest is there)."""
    await seed(database)
    admin, ids = await _admin_and_category_ids(database)
    async with database.transaction() as session:
        await categories.update_category(
            session, actor=admin, category_id=ids["web-development"], slug="web", name="Web"
        )
        demoted = await session.get(User, admin.id)
        assert demoted is not None
        demoted.role = UserRole.STUDENT
    again = await seed(database)
    assert again["catalog"] == 0
    assert await rows(database, Category) == len(DEMO_CATEGORIES)
    assert await rows(database, Course) == len(DEMO_COURSES)
