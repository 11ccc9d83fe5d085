"""Catalog queries: one course with its relations, visibility, hidden lesson content, categories,
an instructor's own courses, and how bad arguments are refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.accounts.models import User, UserRole
from app.catalog import repo
from app.catalog.models import (
    Course,
    CourseInstructor,
    CourseStatus,
    PricingTier,
)
from app.db import Database, count_statements
from app.learning.models import EnrollmentStatus
from tests.support import accounts as accounts
from tests.support import catalog as f
from tests.support.graphql import GraphQLClient

COURSE = """
query ($id: ID, $slug: String) {
  course(id: $id, slug: $slug) {
    id title slug status level isFree price { amount currency }
    category { name }
    instructor { fullName title user { firstName } }
    tags { name slug } requirements objectives
    pricingTiers { tier price { amount amountMinor currency } features }
    lessonCount durationMinutes
    modules {
      title orderNumber durationMinutes prerequisite { title }
      lessons { title orderNumber isPreview locked content { text } }
    }
  }
}"""


async def _course(
    client: GraphQLClient, course: Course, token: str | None = None, **by: Any
) -> dict[str, Any] | None:
    """The course, or None when it is null (with its NOT_FOUND error, at its path)."""
    variables = by or {"id": f.gid("Course", course.id)}
    outcome = await client.execute(COURSE, variables, token=token)
    assert outcome.data is not None
    found: dict[str, Any] | None = outcome.data["course"]
    if found is None:
        assert outcome.codes == ["NOT_FOUND"], outcome.errors
        assert outcome.errors[0].path == ["course"]
    else:
        assert not outcome.errors, outcome.errors
    return found


async def _token(client: GraphQLClient, database: Database, role: UserRole) -> tuple[User, str]:
    user = await f.person(database, role)
    return user, f.token_for(client, user)


def _contents(course: dict[str, Any]) -> list[str | None]:
    return [
        (lesson["content"] or {}).get("text")
        for module in course["modules"]
        for lesson in module["lessons"]
    ]


# --- one course ---------------------------------------------------------------------------------


async def test_a_published_course_shows_its_relations_in_order(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database, first_name="Ada")
    (cat,) = await f.categories(database, "Code")
    tags = await f.tags(database, "Python", "SQL")
    tiers = (f.Tier(PricingTier.PRO, 4999, 9999), f.Tier(PricingTier.BASIC, 1999))
    course = await f.course(
        database, owner.id, category_id=cat.id, tiers=tiers, tag_ids=[t.id for t in tags]
    )

    found = await _course(client, course)

    assert found is not None
    assert found["category"]["name"] == cat.name
    assert found["instructor"]["fullName"] == "Ada Hopper"
    assert found["instructor"]["title"] == "Engineer"
    assert [t["slug"] for t in found["tags"]] == ["python", "sql"]
    assert found["price"] == {"amount": "19.99", "currency": "USD"}
    assert [(t["tier"], t["price"]) for t in found["pricingTiers"]] == [
        ("BASIC", {"amount": "19.99", "amountMinor": 1999, "currency": "USD"}),
        ("PRO", {"amount": "49.99", "amountMinor": 4999, "currency": "USD"}),
    ]
    assert [m["orderNumber"] for m in found["modules"]] == [1, 2, 3]
    assert [x["orderNumber"] for x in found["modules"][0]["lessons"]] == [1, 2]
    assert (found["lessonCount"], found["durationMinutes"]) == (6, 60)
    assert [m["durationMinutes"] for m in found["modules"]] == [20, 20, 20]
    assert found["requirements"] == ["A computer"]


async def test_a_course_is_found_by_slug(client: GraphQLClient, database: Database) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id)
    found = await _course(client, course, slug=course.slug)
    assert found is not None
    assert found["id"] == f.gid("Course", course.id)


async def test_a_module_shows_its_prerequisite(client: GraphQLClient, database: Database) -> None:
    owner = await f.instructor(database)
    async with database.transaction() as session:
        course = f.build_course(session, owner.id)
    async with database.transaction() as session:
        modules = (await repo.modules_by_course_ids(session, [course.id]))[0]
        modules[1].prerequisite_module_id = modules[0].id
    found = await _course(client, course)
    assert found is not None
    assert [(m["prerequisite"] or {}).get("title") for m in found["modules"]] == [None, "M1", None]


@pytest.mark.parametrize("variables", [{}, {"id": "x", "slug": "y"}])
async def test_course_needs_exactly_one_of_id_and_slug(
    client: GraphQLClient, variables: dict[str, str]
) -> None:
    outcome = await client.execute(COURSE, variables)
    assert outcome.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "variables",
    [
        {"slug": "no-such-course"},
        {"id": f.gid("Course", uuid.uuid4())},
        {"id": "not-an-id"},
        {"id": f.gid("Lesson", uuid.uuid4())},
    ],
)
async def test_an_unknown_course_is_null_with_not_found_at_its_path(
    client: GraphQLClient, variables: dict[str, str]
) -> None:
    outcome = await client.execute(
        "query($id: ID, $slug: String) { course(id: $id, slug: $slug) { id } ping }", variables
    )
    assert outcome.data == {"course": None, "ping": "pong"}  # the sibling is untouched
    assert outcome.codes == ["NOT_FOUND"]
    assert outcome.errors[0].path == ["course"]


# --- visibility ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [CourseStatus.DRAFT, CourseStatus.PENDING_REVIEW, CourseStatus.ARCHIVED]
)
@pytest.mark.parametrize("viewer", [None, UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_an_unpublished_course_is_hidden_from_everyone_but_its_teachers(
    client: GraphQLClient, database: Database, status: CourseStatus, viewer: UserRole | None
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, status=status)
    token = (await _token(client, database, viewer))[1] if viewer else None

    assert await _course(client, course, token) is None
    assert await _course(client, course, token, slug=course.slug) is None
    node = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": f.gid("Course", course.id)}, token=token
    )
    assert node.data == {"node": None}
    assert node.codes == ["NOT_FOUND"]


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.PENDING_REVIEW])
async def test_the_owner_an_admin_and_a_co_instructor_see_an_unpublished_course(
    client: GraphQLClient, database: Database, status: CourseStatus
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, status=status)
    _, admin_token = await _token(client, database, UserRole.ADMIN)
    helper, helper_token = await _token(client, database, UserRole.INSTRUCTOR)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=course.id, user_id=helper.id))

    for token in (f.token_for(client, owner), admin_token, helper_token):
        found = await _course(client, course, token)
        by_slug = await _course(client, course, token, slug=course.slug)
        assert found is not None
        assert found["status"] == status.name
        assert by_slug == found


async def test_an_archived_course_stays_visible_to_its_enrolled_students(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, status=CourseStatus.ARCHIVED)
    student, token = await _token(client, database, UserRole.STUDENT)
    dropped, dropped_token = await _token(client, database, UserRole.STUDENT)
    await f.enroll(database, student.id, course.id)
    await f.enroll(database, dropped.id, course.id, EnrollmentStatus.DROPPED)

    assert await _course(client, course, token) is not None
    assert await _course(client, course, dropped_token) is None


async def test_modules_and_lessons_of_a_hidden_course_are_not_reachable_by_id(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, status=CourseStatus.DRAFT)
    async with database.session() as session:
        module = (await repo.modules_by_course_ids(session, [course.id]))[0][0]
        lesson = (await repo.lessons_by_module_ids(session, [module.id]))[0][0]
    ids = [f.gid("CourseModule", module.id), f.gid("Lesson", lesson.id)]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"

    hidden = await client.execute(query, {"ids": ids})
    shown = await client.execute(query, {"ids": ids}, token=f.token_for(client, owner))

    assert hidden.data == {"nodes": [None, None]}
    assert shown.data == {"nodes": [{"id": i} for i in ids]}


# --- lesson content ---------------------------------------------------------------------------


async def test_lesson_content_is_hidden_unless_preview_for_callers_not_enrolled(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id)
    _, student_token = await _token(client, database, UserRole.STUDENT)

    for token in (None, student_token):
        found = await _course(client, course, token)
        assert found is not None
        contents = _contents(found)
        assert contents[0] == "Secret words 1.1"  # the preview lesson
        assert contents[1:] == [None] * 5
        locked = [x["locked"] for m in found["modules"] for x in m["lessons"]]
        assert locked == [False] + [True] * 5


@pytest.mark.parametrize("who", ["enrolled", "completed", "owner", "admin"])
async def test_enrolled_students_owners_and_admins_read_every_lesson(
    client: GraphQLClient, database: Database, who: str
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id)
    token = f.token_for(client, owner)
    if who == "admin":
        token = (await _token(client, database, UserRole.ADMIN))[1]
    if who in ("enrolled", "completed"):
        student, token = await _token(client, database, UserRole.STUDENT)
        status = EnrollmentStatus.ACTIVE if who == "enrolled" else EnrollmentStatus.COMPLETED
        await f.enroll(database, student.id, course.id, status)

    found = await _course(client, course, token)

    assert found is not None
    assert None not in _contents(found)


@pytest.mark.parametrize("status", [EnrollmentStatus.DROPPED, EnrollmentStatus.REFUNDED])
async def test_a_student_whose_enrollment_ended_no_longer_reads_the_content(
    client: GraphQLClient, database: Database, status: EnrollmentStatus
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id)
    student, token = await _token(client, database, UserRole.STUDENT)
    await f.enroll(database, student.id, course.id, status)
    found = await _course(client, course, token)
    assert found is not None
    assert _contents(found)[1:] == [None] * 5


async def test_enrollment_in_another_course_does_not_open_this_one(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    this, other = await f.courses(database, owner.id, 2)
    student, token = await _token(client, database, UserRole.STUDENT)
    await f.enroll(database, student.id, other.id)
    found = await _course(client, this, token)
    assert found is not None
    assert _contents(found)[1:] == [None] * 5


async def test_lesson_resources_follow_the_content_rule(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, modules=1, lessons=1, preview_first=False)
    student, token = await _token(client, database, UserRole.STUDENT)
    async with database.session() as session:
        module = (await repo.modules_by_course_ids(session, [course.id]))[0][0]
        lesson = (await repo.lessons_by_module_ids(session, [module.id]))[0][0]
    await f.add_lesson_resource(database, lesson.id, "https://example.com/slides.pdf")
    query = "query($id: ID!) { node(id: $id) { ... on Lesson { resources { url isFile } } } }"
    variables = {"id": f.gid("Lesson", lesson.id)}

    before = await client.execute(query, variables, token=token)
    await f.enroll(database, student.id, course.id)
    after = await client.execute(query, variables, token=token)

    assert before.data == {"node": {"resources": []}}
    assert after.data == {
        "node": {"resources": [{"url": "https://example.com/slides.pdf", "isFile": False}]}
    }


# --- categories -------------------------------------------------------------------------------

CATEGORIES = "query($all: Boolean!) { categories(includeInactive: $all) { name isActive } }"


async def test_categories_are_listed_by_position_then_name_active_only(
    client: GraphQLClient, database: Database
) -> None:
    shown = await f.categories(database, "Zeta", "Alpha")
    await f.categories(database, "Hidden", active=False)
    outcome = await client.execute(CATEGORIES, {"all": False})
    assert outcome.data == {"categories": [{"name": c.name, "isActive": True} for c in shown]}


async def test_only_admins_list_inactive_categories(
    client: GraphQLClient, database: Database
) -> None:
    await f.categories(database, "Shown")
    (hidden,) = await f.categories(database, "Hidden", active=False)
    _, admin = await _token(client, database, UserRole.ADMIN)
    _, instructor = await _token(client, database, UserRole.INSTRUCTOR)

    as_admin = await client.execute(CATEGORIES, {"all": True}, token=admin)
    as_instructor = await client.execute(CATEGORIES, {"all": True}, token=instructor)
    anonymous = await client.execute(CATEGORIES, {"all": True})

    assert as_admin.data is not None
    assert {"name": hidden.name, "isActive": False} in as_admin.data["categories"]
    assert as_instructor.codes == ["FORBIDDEN"]
    assert anonymous.codes == ["FORBIDDEN"]


CATEGORY = """query($id: ID, $slug: String) {
  category(id: $id, slug: $slug) { id name slug isActive parent { name } }
}"""


async def test_a_category_is_found_by_id_or_slug(client: GraphQLClient, database: Database) -> None:
    parent, child = await f.categories(database, "Code", "Python")
    async with database.transaction() as session:
        row = await session.get(type(child), child.id)
        assert row is not None
        row.parent_id = parent.id
    by_id = await client.execute(CATEGORY, {"id": f.gid("Category", child.id)})
    by_slug = await client.execute(CATEGORY, {"slug": child.slug.upper()})

    expected = {
        "id": f.gid("Category", child.id),
        "name": child.name,
        "slug": child.slug,
        "isActive": True,
        "parent": {"name": parent.name},
    }
    assert by_id.data == {"category": expected}
    assert by_slug.data == {"category": expected}


@pytest.mark.parametrize("variables", [{"slug": "nothing-here"}, {"id": "nope"}, {}])
async def test_an_unknown_category_is_null_with_not_found(
    client: GraphQLClient, variables: dict[str, str]
) -> None:
    outcome = await client.execute(CATEGORY, variables)
    assert outcome.data == {"category": None}
    assert outcome.codes == ["NOT_FOUND" if variables else "BAD_USER_INPUT"]


async def test_an_inactive_category_is_found_by_admins_only(
    client: GraphQLClient, database: Database
) -> None:
    (hidden,) = await f.categories(database, "Hidden", active=False)
    _, admin = await _token(client, database, UserRole.ADMIN)
    _, student = await _token(client, database, UserRole.STUDENT)
    variables = {"id": f.gid("Category", hidden.id)}
    node = "query($id: ID!) { node(id: $id) { ... on Category { name } } }"

    for token in (None, student):
        outcome = await client.execute(CATEGORY, variables, token=token)
        assert outcome.data == {"category": None}
        assert outcome.codes == ["NOT_FOUND"]
        assert (await client.execute(node, variables, token=token)).codes == ["NOT_FOUND"]
    as_admin = await client.execute(CATEGORY, {"slug": hidden.slug}, token=admin)
    assert as_admin.data is not None
    assert as_admin.data["category"]["isActive"] is False
    assert (await client.execute(node, variables, token=admin)).data == {
        "node": {"name": hidden.name}
    }


# --- my courses ---------------------------------------------------------------------------------

MY_COURSES = """
query($status: CourseStatus) {
  myCourses(status: $status, first: 10) { totalCount edges { node { title status } } }
}"""


async def test_my_courses_lists_only_my_own_courses_drafts_included(
    client: GraphQLClient, database: Database
) -> None:
    me = await f.instructor(database)
    other = await f.instructor(database)
    await f.course(database, me.id, title="Mine, draft", status=CourseStatus.DRAFT)
    await f.course(database, me.id, title="Mine, live")
    await f.course(database, other.id, title="Theirs", status=CourseStatus.DRAFT)

    outcome = await client.execute(MY_COURSES, {}, token=f.token_for(client, me))
    drafts = await client.execute(MY_COURSES, {"status": "DRAFT"}, token=f.token_for(client, me))

    assert outcome.data is not None
    assert drafts.data is not None
    titles = {e["node"]["title"] for e in outcome.data["myCourses"]["edges"]}
    assert titles == {"Mine, draft", "Mine, live"}
    assert outcome.data["myCourses"]["totalCount"] == 2
    assert [e["node"]["title"] for e in drafts.data["myCourses"]["edges"]] == ["Mine, draft"]


async def test_my_courses_needs_a_signed_in_caller(client: GraphQLClient) -> None:
    outcome = await client.execute(MY_COURSES, {})
    assert outcome.codes == ["UNAUTHENTICATED"]


# --- bad arguments ------------------------------------------------------------------------------

LIST = "query($filter: CourseFilter) { courses(filter: $filter) { edges { node { id } } } }"


async def test_an_unknown_filter_field_is_refused_by_the_schema(client: GraphQLClient) -> None:
    outcome = await client.execute(LIST, {"filter": {"colour": "red"}})
    assert outcome.codes == ["BAD_USER_INPUT"]
    inline = await client.execute('{ courses(filter: {colour: "red"}) { edges { cursor } } }')
    assert inline.codes == ["GRAPHQL_VALIDATION_FAILED"]


def _usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"minPrice": _usd("-1")}, [("minPrice", "NEGATIVE_PRICE")]),
        ({"minPrice": _usd("5"), "maxPrice": _usd("1")}, [("minPrice", "PRICE_RANGE")]),
        ({"minPrice": _usd("9.999")}, [("minPrice", "TOO_PRECISE")]),
        (
            {"minPrice": _usd("1"), "maxPrice": {"amount": "9", "currency": "EUR"}},
            [("maxPrice", "INVALID")],
        ),
        ({"minRating": 5.5}, [("minRating", "OUT_OF_RANGE")]),
    ],
)
async def test_invalid_filter_values_are_bad_user_input(
    client: GraphQLClient,
    database: Database,
    bad: dict[str, Any],
    fields: list[tuple[str, str]],
) -> None:
    with count_statements(database.engine) as counter:
        outcome = await client.execute(LIST, {"filter": bad})
    assert outcome.codes == ["BAD_USER_INPUT"]
    assert outcome.data is None
    reported = outcome.errors[0].extensions["fields"]
    assert [(e["field"], e["code"]) for e in reported] == fields
    assert counter.count == 0  # refused before any SQL


async def test_an_id_that_names_nothing_filters_to_nothing(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    await f.course(database, owner.id)
    for category_id in ("not an id", f.gid("Course", uuid.uuid4())):
        outcome = await client.execute(LIST, {"filter": {"categoryId": category_id}})
        assert outcome.data == {"courses": {"edges": []}}, outcome.errors


async def test_page_arguments_are_validated(client: GraphQLClient) -> None:
    outcome = await client.execute("{ courses(first: 500) { edges { cursor } } }")
    assert outcome.codes == ["BAD_USER_INPUT"]
    garbage = await client.execute('{ courses(after: "%%%") { edges { cursor } } }')
    assert garbage.codes == ["BAD_USER_INPUT"]
