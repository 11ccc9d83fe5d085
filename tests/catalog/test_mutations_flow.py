"""The whole authoring flow over GraphQL, as an instructor and a reviewer live it."""

from __future__ import annotations

from app.accounts.models import UserRole
from tests.support import accounts as accounts
from tests.support.catalog_mutations import (
    add_module,
    add_text_lesson,
    create_course,
    mutate,
    signed_in,
)

CATALOG = (
    "{ courses(first: 20) { totalCount edges { node { id title status price { amount } } } } }"
)


async def _listed(client) -> list[dict]:
    outcome = await client.execute(CATALOG)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return [edge["node"] for edge in outcome.data["courses"]["edges"]]


async def test_create_structure_price_submit_publish_and_the_course_is_listed(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    made = await mutate(client, admin, "createCategory", {"name": "Programming"}, "category { id }")
    course = await create_course(
        client, owner, title="Python Projects", categoryId=made["category"]["id"]
    )
    for m in range(1, 4):
        module = await add_module(client, owner, course["id"], f"Part {m}")
        for n in range(1, 3):
            await add_text_lesson(client, owner, module["id"], f"Lesson {m}.{n}")
    priced = await mutate(
        client,
        owner,
        "setCoursePricing",
        {"courseId": course["id"], "isFree": False, "tiers": [{"tier": "BASIC", "price": "29"}]},
        "",
    )
    submitted = await mutate(
        client, owner, "submitCourseForReview", {"courseId": course["id"]}, "course { status }"
    )
    assert priced["errors"] == []
    assert submitted["course"]["status"] == "PENDING_REVIEW"
    assert await _listed(client) == []  # not public before the review

    published = await mutate(
        client, admin, "publishCourse", {"courseId": course["id"]}, "course { status }"
    )

    assert published == {"course": {"status": "PUBLISHED"}, "errors": []}
    assert await _listed(client) == [
        {
            "id": course["id"],
            "title": "Python Projects",
            "status": "PUBLISHED",
            "price": {"amount": "29.00"},
        }
    ]
    detail = await client.execute(
        "query($id: ID!) { course(id: $id) { modules { title lessons { title } } } }",
        {"id": course["id"]},
    )
    assert detail.data is not None
    modules = detail.data["course"]["modules"]
    assert [m["title"] for m in modules] == ["Part 1", "Part 2", "Part 3"]
    assert [x["title"] for x in modules[2]["lessons"]] == ["Lesson 3.1", "Lesson 3.2"]
