"""Course mutations over GraphQL: create, update, delete, the review workflow, pricing, and the
catalog cache version bumped after every committed change (Property 17)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import UserRole
from app.catalog.models import Course, CoursePricingTier, CourseStatus
from tests.support import accounts as accounts
from tests.support.authoring import category, rows, snapshot
from tests.support.catalog_mutations import (
    COURSE_FIELDS,
    add_module,
    add_text_lesson,
    attempt,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
    version,
)

PRICING_FIELDS = (
    "course { isFree price { amount currency } pricingTiers { tier price { amount } } }"
)


async def _ready_course(client, owner) -> str:
    """A draft that passes every publication rule: category, three modules with a lesson, free."""
    cat = await category(client.database)
    course = await create_course(client, owner, categoryId=gid("Category", cat.id))
    for n in range(1, 4):
        module = await add_module(client, owner, course["id"], f"Module {n}")
        await add_text_lesson(client, owner, module["id"])
    payload = await mutate(
        client,
        owner,
        "setCoursePricing",
        {"courseId": course["id"], "isFree": True},
        "course { id }",
    )
    assert payload["errors"] == []
    return str(course["id"])


async def _submitted(client, owner) -> str:
    course_id = await _ready_course(client, owner)
    payload = await mutate(
        client, owner, "submitCourseForReview", {"courseId": course_id}, "course { status }"
    )
    assert payload["course"]["status"] == "PENDING_REVIEW"
    return course_id


async def test_create_course_returns_a_draft_with_a_slug(client) -> None:
    owner = await signed_in(client)
    payload = await mutate(
        client,
        owner,
        "createCourse",
        {
            "title": "Python for Absolute Beginners",
            "description": "Start here.",
            "level": "BEGINNER",
            "tags": ["python", "basics"],
            "requirements": ["A computer"],
        },
        f"{COURSE_FIELDS[:-1]} level tags {{ name }} requirements }}",
    )
    assert payload["errors"] == []
    course = payload["course"]
    assert (course["status"], course["slug"]) == ("DRAFT", "python-for-absolute-beginners")
    assert {t["name"] for t in course["tags"]} == {"python", "basics"}
    assert course["requirements"] == ["A computer"]


async def test_create_course_reports_every_invalid_field_and_creates_nothing(client) -> None:
    owner = await signed_in(client)
    payload = await mutate(
        client,
        owner,
        "createCourse",
        {"title": " ", "description": "", "language": "English", "trailerUrl": "ftp://x"},
        COURSE_FIELDS,
    )
    assert payload["course"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("title", "REQUIRED"),
        ("description", "REQUIRED"),
        ("language", "INVALID"),
        ("trailerUrl", "INVALID_URL"),
    }
    assert await rows(client.database, Course) == 0


async def test_update_course_changes_only_the_given_fields_and_null_clears(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner, subtitle="A first step", tags=["python"])
    payload = await mutate(
        client,
        owner,
        "updateCourse",
        {"courseId": course["id"], "title": "Python, gently", "subtitle": None},
        "course { title slug subtitle description tags { name } }",
    )
    assert payload["errors"] == []
    assert payload["course"] == {
        "title": "Python, gently",
        "slug": course["slug"],  # links stay valid
        "subtitle": None,
        "description": "Learn Python.",
        "tags": [{"name": "python"}],
    }


async def test_update_course_with_null_for_a_required_field_is_an_error(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    before = await snapshot(client.database, raw_id(course["id"]))
    payload = await mutate(
        client, owner, "updateCourse", {"courseId": course["id"], "level": None}, "course { id }"
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("level", "REQUIRED")]
    assert await snapshot(client.database, raw_id(course["id"])) == before


async def test_delete_course_removes_it_and_returns_its_id(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    await add_text_lesson(client, owner, (await add_module(client, owner, course["id"]))["id"])
    payload = await mutate(
        client, owner, "deleteCourse", {"courseId": course["id"]}, "deletedCourseId"
    )
    assert payload == {"deletedCourseId": course["id"], "errors": []}
    assert await rows(client.database, Course) == 0


async def test_submit_course_for_review_lists_every_broken_rule(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    payload = await mutate(
        client, owner, "submitCourseForReview", {"courseId": course["id"]}, "course { status }"
    )
    assert payload["course"] is None
    assert {e["code"] for e in payload["errors"]} == {
        "CATEGORY_REQUIRED",
        "PRICING_REQUIRED",
        "TOO_FEW_MODULES",
    }


async def test_submit_course_for_review_moves_a_ready_draft_to_pending(client) -> None:
    owner = await signed_in(client)
    course_id = await _submitted(client, owner)
    async with client.database.session() as session:
        found = await session.get(Course, raw_id(course_id))
    assert found is not None
    assert found.status == CourseStatus.PENDING_REVIEW


async def test_admin_publishes_a_pending_course(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course_id = await _submitted(client, owner)
    payload = await mutate(
        client,
        admin,
        "publishCourse",
        {"courseId": course_id, "notes": "Nice."},
        "course { status publishedAt reviewNotes }",
    )
    assert payload["errors"] == []
    assert payload["course"]["status"] == "PUBLISHED"
    assert payload["course"]["publishedAt"] is not None


async def test_admin_rejects_a_pending_course_back_to_draft_with_notes(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course_id = await _submitted(client, owner)
    payload = await mutate(
        client,
        admin,
        "rejectCourse",
        {"courseId": course_id, "notes": "Add a summary."},
        "course { status }",
    )
    assert payload == {"course": {"status": "DRAFT"}, "errors": []}
    async with client.database.session() as session:
        found = await session.get(Course, raw_id(course_id))
    assert found is not None
    assert found.review_notes == "Add a summary."


async def test_publishing_a_draft_is_an_invalid_status_error(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course_id = await _ready_course(client, owner)
    payload = await mutate(client, admin, "publishCourse", {"courseId": course_id}, "course { id }")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("status", "INVALID_STATUS")]


async def test_owner_archives_a_published_course(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course_id = await _submitted(client, owner)
    await mutate(client, admin, "publishCourse", {"courseId": course_id}, "course { id }")
    payload = await mutate(
        client, owner, "archiveCourse", {"courseId": course_id}, "course { status }"
    )
    assert payload == {"course": {"status": "ARCHIVED"}, "errors": []}


async def test_set_course_pricing_with_tiers_in_major_units(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    payload = await mutate(
        client,
        owner,
        "setCoursePricing",
        {
            "courseId": course["id"],
            "isFree": False,
            "currency": "EUR",
            "tiers": [
                {"tier": "PRO", "price": "49.99", "originalPrice": 79.99, "features": ["Projects"]},
                {"tier": "BASIC", "price": "19.99"},
            ],
        },
        PRICING_FIELDS,
    )
    assert payload["errors"] == []
    assert payload["course"]["isFree"] is False
    assert payload["course"]["price"] == {"amount": "19.99", "currency": "EUR"}
    assert {(t["tier"], t["price"]["amount"]) for t in payload["course"]["pricingTiers"]} == {
        ("BASIC", "19.99"),
        ("PRO", "49.99"),
    }
    async with client.database.session() as session:
        stored = await session.execute(
            select(CoursePricingTier.price_minor, CoursePricingTier.original_price_minor)
            .where(CoursePricingTier.course_id == raw_id(course["id"]))
            .order_by(CoursePricingTier.price_minor)
        )
        assert [tuple(r) for r in stored] == [(1999, None), (4999, 7999)]  # minor units


async def test_a_price_with_more_decimals_than_the_currency_is_a_too_precise_error(
    client,
) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    payload = await mutate(
        client,
        owner,
        "setCoursePricing",
        {
            "courseId": course["id"],
            "isFree": False,
            "tiers": [
                {"tier": "BASIC", "price": "19.99"},
                {"tier": "PRO", "price": "19.999", "originalPrice": "29.999"},
            ],
        },
        PRICING_FIELDS,
    )
    assert payload["course"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("tiers[1].price", "TOO_PRECISE"),
        ("tiers[1].originalPrice", "TOO_PRECISE"),
    ]
    assert await rows(client.database, CoursePricingTier) == 0


async def test_yen_prices_have_no_decimals(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    payload = await mutate(
        client,
        owner,
        "setCoursePricing",
        {
            "courseId": course["id"],
            "isFree": False,
            "currency": "JPY",
            "tiers": [
                {"tier": "BASIC", "price": 1500},
            ],
        },
        "course { price { amount amountMinor currency } } errors { field code }",
    )
    assert payload == {
        "course": {"price": {"amount": "1500", "amountMinor": 1500, "currency": "JPY"}},
        "errors": [],
    }


async def test_negative_price_is_a_typed_error_and_changes_nothing(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    before = await snapshot(client.database, raw_id(course["id"]))
    payload = await mutate(
        client,
        owner,
        "setCoursePricing",
        {"courseId": course["id"], "isFree": False, "tiers": [{"tier": "BASIC", "price": "-1"}]},
        PRICING_FIELDS,
    )
    assert payload["course"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("tiers[0].price", "NEGATIVE_PRICE")
    ]
    assert await snapshot(client.database, raw_id(course["id"])) == before
    assert await rows(client.database, CoursePricingTier) == 0


async def test_a_malformed_or_wrong_type_course_id_is_not_found(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    for bad in ("not-an-id", gid("Lesson", raw_id(course["id"]))):
        outcome = await attempt(
            client, owner, "updateCourse", {"courseId": bad, "title": "X"}, "course { id }"
        )
        assert outcome.codes == ["NOT_FOUND"]


async def test_anonymous_callers_must_sign_in(client) -> None:
    outcome = await attempt(
        client, None, "createCourse", {"title": "T", "description": "D"}, "course { id }"
    )
    assert outcome.codes == ["UNAUTHENTICATED"]
    assert await rows(client.database, Course) == 0


async def test_property_17_every_committed_change_bumps_the_catalog_cache_version(
    client,
) -> None:
    owner = await signed_in(client)
    start = await version(client)
    course = await create_course(client, owner)
    assert await version(client) == start + 1
    await mutate(client, owner, "updateCourse", {"courseId": course["id"], "title": "New"}, "")
    assert await version(client) == start + 2


async def test_property_17_a_rejected_change_leaves_the_cache_version_alone(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    start = await version(client)
    payload = await mutate(
        client, owner, "updateCourse", {"courseId": course["id"], "title": ""}, ""
    )
    assert payload["errors"]
    assert await version(client) == start
