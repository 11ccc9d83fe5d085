"""The course review queue: courses in PENDING_REVIEW, oldest submission first, for admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.accounts.models import UserRole
from app.catalog.models import Course, CourseStatus
from app.clock import utcnow
from app.db import Database, count_statements
from tests.support import catalog as f
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

QUEUE = """query($first: Int, $after: String) {
  coursesPendingReview(first: $first, after: $after) {
    totalCount
    edges { node { id title status instructor { user { fullName } } category { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def pending(database: Database, owner_id: Any, hours_ago: float, **kwargs: Any) -> Course:
    return await f.course(
        database,
        owner_id,
        status=CourseStatus.PENDING_REVIEW,
        submitted_at=utcnow() - timedelta(hours=hours_ago),
        **kwargs,
    )


async def queue(client: GraphQLClient, token: str, **variables: Any) -> dict[str, Any]:
    outcome = await client.execute(QUEUE, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["coursesPendingReview"]


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_the_queue_lists_only_pending_courses_oldest_submission_first(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    owner = await f.instructor(database)
    newer = await pending(database, owner.id, hours_ago=1)
    oldest = await pending(database, owner.id, hours_ago=30)
    middle = await pending(database, owner.id, hours_ago=5)
    await f.course(database, owner.id, status=CourseStatus.DRAFT)
    await f.course(database, owner.id, status=CourseStatus.PUBLISHED)

    page = await queue(client, token_for(client, admin))

    assert ids(page) == [gid("Course", c.id) for c in (oldest, middle, newer)]
    assert page["totalCount"] == 3
    assert {edge["node"]["status"] for edge in page["edges"]} == {"PENDING_REVIEW"}


async def test_the_queue_pages_with_cursors(client: GraphQLClient, database: Database) -> None:
    token = token_for(client, await person(database, UserRole.ADMIN))
    owner = await f.instructor(database)
    for hours in range(5):
        await pending(database, owner.id, hours_ago=hours)
    everything = ids(await queue(client, token))

    seen: list[str] = []
    after = None
    while True:
        page = await queue(client, token, first=2, after=after)
        seen += ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == everything
    assert len(seen) == 5


async def test_an_approved_course_leaves_the_queue(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    token = token_for(client, admin)
    owner = await f.instructor(database)
    [category] = await f.categories(database, "Code")
    course = await pending(database, owner.id, hours_ago=2, category_id=category.id)
    rejected = await pending(database, owner.id, hours_ago=1)

    published = await client.mutate(
        "publishCourse", {"courseId": gid("Course", course.id)}, "course { status }", token=token
    )
    sent_back = await client.mutate(
        "rejectCourse",
        {"courseId": gid("Course", rejected.id), "notes": "Add a syllabus"},
        "course { status }",
        token=token,
    )

    assert published.payload("publishCourse") == {"course": {"status": "PUBLISHED"}, "errors": []}
    assert sent_back.payload("rejectCourse") == {"course": {"status": "DRAFT"}, "errors": []}
    assert ids(await queue(client, token)) == []


async def _statements(client: GraphQLClient, token: str) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        page = await queue(client, token, first=100)
    return len(page["edges"]), counter.count


async def test_a_page_of_the_queue_costs_the_same_statements_for_1_and_many_courses(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await person(database, UserRole.ADMIN))
    owners = [await f.instructor(database) for _ in range(3)]
    categories = await f.categories(database, "Code", "Data")
    await pending(database, owners[0].id, hours_ago=50, category_id=categories[0].id)
    one = await _statements(client, token)
    for i in range(20):
        await pending(database, owners[i % 3].id, hours_ago=i, category_id=categories[i % 2].id)

    many = await _statements(client, token)

    assert (one[0], many[0]) == (1, 21)
    assert many[1] == one[1]


async def test_students_and_instructors_may_not_see_the_queue(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    await pending(database, owner.id, hours_ago=1)

    for caller in (await person(database), owner):
        outcome = await client.execute(QUEUE, {}, token=token_for(client, caller))
        assert outcome.codes == ["FORBIDDEN"]
        assert outcome.data is None
