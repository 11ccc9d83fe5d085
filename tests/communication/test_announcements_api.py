"""Announcements over GraphQL: the list, the mutations' payload errors, node visibility, and the
`announcementPublished` subscription (checked again for every event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.accounts.models import User, UserRole
from app.db import Database, count_statements
from app.learning import service as learning
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.graphql import GraphQLClient
from tests.support.learning import free_course, gid, person, student_in, token_for
from tests.support.live import live_server, subscribe

FIELDS = "announcement { id title body status publishAt publishedAt course { id } author { id } }"
LIST = """query($c: ID, $first: Int, $after: String) {
  announcements(courseId: $c, first: $first, after: $after) {
    totalCount edges { node { id title status } } pageInfo { hasNextPage endCursor }
  }
}"""


async def _owner(database: Database, course: object) -> User:
    async with database.session() as session:
        user = await session.get(User, course.instructor_id)  # type: ignore[attr-defined]
    assert user is not None
    return user


async def test_an_instructor_announces_and_students_list_it(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course)
    student, _ = await student_in(database, course)
    created = await client.mutate(
        "createAnnouncement",
        {"courseId": gid("Course", course.id), "title": "Exam", "body": "<p>Friday</p>"},
        FIELDS,
        token=token_for(client, owner),
    )
    payload = created.payload("createAnnouncement")
    assert payload["errors"] == []
    announcement = payload["announcement"]
    assert announcement["status"] == "PUBLISHED"
    assert announcement["course"]["id"] == gid("Course", course.id)
    assert announcement["author"]["id"] == gid("User", owner.id)

    listed = await client.execute(
        LIST, {"c": gid("Course", course.id)}, token=token_for(client, student)
    )
    page = listed.payload("announcements")
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["id"] == announcement["id"]
    node = await client.execute(
        "query($id: ID!) { node(id: $id) { ... on Announcement { title } } }",
        {"id": announcement["id"]},
        token=token_for(client, student),
    )
    assert node.payload("node") == {"title": "Exam"}


async def test_an_outsider_neither_lists_nor_sees_a_course_announcement(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course)
    outsider = await person(database)
    created = await client.mutate(
        "createAnnouncement",
        {"courseId": gid("Course", course.id), "title": "t", "body": "b"},
        "announcement { id }",
        token=token_for(client, owner),
    )
    announcement_id = created.payload("createAnnouncement")["announcement"]["id"]
    listed = await client.execute(
        LIST, {"c": gid("Course", course.id)}, token=token_for(client, outsider)
    )
    assert listed.codes == ["FORBIDDEN"]
    node = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": announcement_id},
        token=token_for(client, outsider),
    )
    assert node.codes == ["NOT_FOUND"]


async def test_invalid_input_comes_back_as_payload_errors(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    outcome = await client.mutate(
        "createAnnouncement",
        {"title": "", "body": "x" * 20_001},
        "announcement { id }",
        token=token_for(client, admin),
    )
    payload = outcome.payload("createAnnouncement")
    assert payload["announcement"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("title", "REQUIRED"),
        ("body", "TOO_LONG"),
    }


async def test_a_student_cannot_send_a_platform_wide_announcement(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)
    outcome = await client.mutate(
        "createAnnouncement",
        {"title": "t", "body": "b"},
        "announcement { id }",
        token=token_for(client, student),
    )
    assert outcome.codes == ["FORBIDDEN"]


async def test_a_published_announcement_refuses_a_new_schedule(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    token = token_for(client, admin)
    created = await client.mutate(
        "createAnnouncement", {"title": "t", "body": "b"}, "announcement { id }", token=token
    )
    announcement_id = created.payload("createAnnouncement")["announcement"]["id"]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    outcome = await client.mutate(
        "updateAnnouncement",
        {"announcementId": announcement_id, "title": "New", "publishAt": later},
        "announcement { title }",
        token=token,
    )
    [error] = outcome.payload("updateAnnouncement")["errors"]
    assert (error["field"], error["code"]) == ("publishAt", "ANNOUNCEMENT_PUBLISHED")
    deleted = await client.mutate(
        "deleteAnnouncement",
        {"announcementId": announcement_id},
        "deletedAnnouncementId",
        token=token,
    )
    assert deleted.payload("deleteAnnouncement")["deletedAnnouncementId"] == announcement_id


async def test_scheduled_ones_are_listed_for_admins_only(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    user = await person(database)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = await client.mutate(
        "createAnnouncement",
        {"title": "t", "body": "b", "publishAt": later},
        "announcement { status publishAt }",
        token=token_for(client, admin),
    )
    assert created.payload("createAnnouncement")["announcement"]["status"] == "SCHEDULED"
    for who, count in ((admin, 1), (user, 0)):
        listed = await client.execute(LIST, {}, token=token_for(client, who))
        assert listed.payload("announcements")["totalCount"] == count


async def test_the_list_runs_as_many_statements_for_many_announcements_as_for_one(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course)
    student, _ = await student_in(database, course)
    query = """query($c: ID) { announcements(courseId: $c, first: 50) {
      edges { node { title course { title } author { firstName } } } } }"""

    async def statements() -> int:
        with count_statements(database.engine) as counter:
            outcome = await client.execute(
                query, {"c": gid("Course", course.id)}, token=token_for(client, student)
            )
        assert not outcome.errors
        return counter.count

    async def announce(n: int) -> None:
        for i in range(n):
            await client.mutate(
                "createAnnouncement",
                {"courseId": gid("Course", course.id), "title": f"t{i}", "body": "b"},
                "announcement { id }",
                token=token_for(client, owner),
            )

    await announce(1)
    one = await statements()
    await announce(5)
    assert await statements() == one


async def test_a_subscriber_receives_published_announcements_until_withdrawn(
    client: GraphQLClient, database: Database, settings: Settings, keyring: KeyRing
) -> None:
    course = await free_course(database)
    owner = await _owner(database, course)
    student, enrollment = await student_in(database, course)
    query = "subscription($c: ID) { announcementPublished(courseId: $c) { title } }"
    variables = {"c": gid("Course", course.id)}

    async def announce(title: str) -> None:
        outcome = await client.mutate(
            "createAnnouncement",
            {"courseId": gid("Course", course.id), "title": title, "body": "b"},
            "announcement { id }",
            token=token_for(client, owner),
        )
        assert outcome.payload("createAnnouncement")["errors"] == []

    async with (
        live_server(settings, keyring) as server,
        subscribe(server, query, variables, token=token_for(client, student)) as sub,
    ):
        await announce("First")
        assert await sub.next() == {"announcementPublished": {"title": "First"}}
        async with database.transaction() as session:
            await learning.withdraw_enrollment(
                session, student_id=student.id, enrollment_id=enrollment.id
            )
        await announce("Second")
        result = await sub.result()
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_outsider_cannot_subscribe_to_a_course(
    client: GraphQLClient, database: Database, settings: Settings, keyring: KeyRing
) -> None:
    course = await free_course(database)
    outsider = await person(database)
    query = "subscription($c: ID) { announcementPublished(courseId: $c) { title } }"
    async with (
        live_server(settings, keyring) as server,
        subscribe(
            server, query, {"c": gid("Course", course.id)}, token=token_for(client, outsider)
        ) as sub,
    ):
        result = await sub.result()
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
