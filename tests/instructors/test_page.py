"""The public instructor page: who is shown, what it counts (from the courses they teach), the
courses it lists, and a course's teaching team — all read in batches."""

from __future__ import annotations

from typing import Any

from app.accounts.models import UserRole
from app.catalog.models import CourseInstructorRole, CourseStatus
from app.db import Database, count_statements
from tests.instructors.support import join, public_instructor, rate
from tests.support import catalog as f
from tests.support.catalog import gid, person
from tests.support.graphql import GraphQLClient
from tests.support.learning import enroll

PAGE = """query($slug: String!) { instructor(slug: $slug) {
  id slug fullName headline totalCourses totalStudents reviewCount rating
  courses(first: 10) { totalCount edges { node { title } } } } }"""


async def page(client: GraphQLClient, slug: str) -> Any:
    outcome = await client.execute(PAGE, {"slug": slug})
    return outcome


async def test_the_page_counts_published_courses_they_own_or_co_instruct(
    client: GraphQLClient, database: Database
) -> None:
    teacher, profile = await public_instructor(database)
    other, _ = await public_instructor(database)
    owned = await f.course(database, teacher.id, title="Owned")
    shared = await f.course(database, other.id, title="Shared")
    assisted = await f.course(database, other.id, title="Assisted")
    await f.course(database, teacher.id, title="Draft", status=CourseStatus.DRAFT)
    await join(database, shared, teacher)
    await join(database, assisted, teacher, CourseInstructorRole.TEACHING_ASSISTANT)
    await rate(database, owned, "4.00", 3)
    await rate(database, shared, "5.00", 1)
    await rate(database, assisted, "1.00", 50)
    both = await person(database)
    for student, course in [(both, owned), (both, shared), (await person(database), owned)]:
        await enroll(database, student, course)
    await enroll(database, await person(database), assisted)

    outcome = await page(client, str(profile.slug))

    data = outcome.payload("instructor")
    assert data["id"] == gid("Instructor", teacher.id)
    assert data["totalCourses"] == 2
    assert data["totalStudents"] == 2  # distinct students, assisted courses not counted
    assert data["reviewCount"] == 4
    assert data["rating"] == 4.25  # (4 * 3 + 5 * 1) / 4, weighted by reviews
    assert data["courses"]["totalCount"] == 2
    assert {e["node"]["title"] for e in data["courses"]["edges"]} == {"Owned", "Shared"}


async def test_without_reviews_the_rating_is_null(
    client: GraphQLClient, database: Database
) -> None:
    teacher, profile = await public_instructor(database)
    await f.course(database, teacher.id)

    data = (await page(client, str(profile.slug))).payload("instructor")

    assert data["rating"] is None
    assert data["reviewCount"] == 0


async def test_a_page_that_is_not_public_is_not_found(
    client: GraphQLClient, database: Database
) -> None:
    teacher, profile = await public_instructor(database)
    demoted, demoted_profile = await public_instructor(database)
    async with database.transaction() as session:
        found = await session.get(type(profile), profile.id)
        assert found is not None
        found.is_public = False
        user = await session.get(type(demoted), demoted.id)
        assert user is not None
        user.role = UserRole.STUDENT

    for slug in (profile.slug, demoted_profile.slug):
        outcome = await page(client, str(slug))
        assert outcome.data == {"instructor": None}
        assert outcome.codes == ["NOT_FOUND"]
    by_id = await client.execute(
        "query($id: ID!) { instructor(id: $id) { fullName } }",
        {"id": gid("Instructor", teacher.id)},
    )
    assert by_id.codes == ["NOT_FOUND"]


async def test_the_course_lists_its_whole_team_owner_first(
    client: GraphQLClient, database: Database
) -> None:
    owner, profile = await public_instructor(database)
    helper, _ = await public_instructor(database)
    assistant = await person(database)
    course = await f.course(database, owner.id)
    await join(database, course, helper)
    await join(database, course, assistant, CourseInstructorRole.TEACHING_ASSISTANT)

    outcome = await client.execute(
        "query($id: ID!) { course(id: $id) { instructor { slug } "
        "instructors { role instructor { fullName id } } } }",
        {"id": gid("Course", course.id)},
    )

    data = outcome.payload("course")
    assert data["instructor"]["slug"] == profile.slug
    assert [(t["role"], t["instructor"]["id"]) for t in data["instructors"]] == [
        ("OWNER", gid("Instructor", owner.id)),
        ("CO_INSTRUCTOR", gid("Instructor", helper.id)),
        ("TEACHING_ASSISTANT", gid("Instructor", assistant.id)),
    ]


LISTING = """query { courses(first: 100) { edges { node {
  instructor { fullName avatarUrl totalStudents rating reviewCount totalCourses }
  instructors { role instructor { fullName headline totalCourses } } } } } }"""


async def _statements(client: GraphQLClient) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(LISTING)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return len(outcome.data["courses"]["edges"]), counter.count


async def test_instructor_data_of_a_page_of_courses_costs_the_same_statements_for_1_and_many(
    client: GraphQLClient, database: Database
) -> None:
    first, _ = await public_instructor(database)
    first_helper, _ = await public_instructor(database)
    await join(database, await f.course(database, first.id), first_helper)
    one, few = await _statements(client)

    for _ in range(4):
        teacher, _ = await public_instructor(database)
        helper, _ = await public_instructor(database)
        for course in await f.courses(database, teacher.id, 2):
            await join(database, course, helper)
            await enroll(database, await person(database), course)
    many, more = await _statements(client)

    assert many >= one + 8
    assert more == few


async def test_the_planned_course_read_counts_as_the_loaders_do(
    client: GraphQLClient, database: Database
) -> None:
    teacher, _ = await public_instructor(database)
    course = await f.course(database, teacher.id)
    await rate(database, course, "3.50", 2)
    await enroll(database, await person(database), course)
    fields = "totalStudents totalCourses reviewCount rating expertise headline slug id"
    query = "query($id: ID!) { course(id: $id) { instructor { %s } } }"

    planned = await client.execute(query % fields, {"id": gid("Course", course.id)})
    executed = await client.execute(query % f"{fields} avatarUrl", {"id": gid("Course", course.id)})

    shown = planned.payload("course")["instructor"]
    assert shown == {
        k: v for k, v in executed.payload("course")["instructor"].items() if k != "avatarUrl"
    }
    assert shown["rating"] == 3.5
    assert shown["totalStudents"] == 1


COURSES = """query($slug: String!, $after: String) { instructor(slug: $slug) {
  courses(first: 1, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { title } } } } }"""


async def test_the_page_pages_through_its_courses_newest_publication_first(
    client: GraphQLClient, database: Database
) -> None:
    teacher, profile = await public_instructor(database)
    for age, title in ((3, "Old"), (2, "Middle"), (1, "New")):
        await f.course(database, teacher.id, title=title, age_days=age)

    seen: list[str] = []
    after = None
    while True:
        courses = (await client.execute(COURSES, {"slug": profile.slug, "after": after})).payload(
            "instructor"
        )["courses"]
        seen += [e["node"]["title"] for e in courses["edges"]]
        if not courses["pageInfo"]["hasNextPage"]:
            break
        after = courses["pageInfo"]["endCursor"]

    assert seen == ["New", "Middle", "Old"]


async def test_a_cursor_of_another_list_is_bad_input(
    client: GraphQLClient, database: Database
) -> None:
    _, profile = await public_instructor(database)

    outcome = await client.execute(COURSES, {"slug": profile.slug, "after": "WyJub3BlIl0"})

    assert outcome.codes == ["BAD_USER_INPUT"]
