"""Discussions over GraphQL: the operations, their errors, the posts of a thread in tree order at a
fixed number of SQL statements, and the newDiscussionPost subscription."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from app.db import Database, count_statements
from app.learning.models import EnrollmentStatus
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.catalog import enroll, gid, person, token_for
from tests.support.discussions import forum, reply, thread
from tests.support.graphql import GraphQLClient
from tests.support.live import live_server, subscribe

THREAD = """
query ($id: ID!) {
  discussionThread(id: $id) {
    title isLocked replyCount author { fullName } course { title }
    posts(first: 50) {
      totalCount
      edges { node { id parentPostId depth body isDeleted upvoteCount viewerHasVoted
                     isSolution author { fullName } } }
    }
  }
}"""
THREADS = """
query ($course: ID!, $filter: DiscussionThreadFilter) {
  discussionThreads(courseId: $course, filter: $filter, first: 10) {
    totalCount edges { node { title isPinned category } }
  }
}"""
POST_FIELDS = "post { id body isDeleted upvoteCount viewerHasVoted isSolution depth }"
NEW_POST = "subscription ($t: ID!) { newDiscussionPost(threadId: $t) { body depth } }"


def posts_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in data["discussionThread"]["posts"]["edges"]]


async def test_a_conversation_in_a_thread_through_the_api(
    client: GraphQLClient, database: Database
) -> None:
    f = await forum(database)
    student, teacher = token_for(client, f.student), token_for(client, f.teacher)
    created = await client.mutate(
        "createDiscussionThread",
        {
            "courseId": gid("Course", f.course.id),
            "title": "Stuck",
            "body": "<p>Help</p>",
            "category": "QUESTION",
        },
        "thread { id title category author { fullName } }",
        token=student,
    )
    made = created.payload("createDiscussionThread")
    assert made["errors"] == []
    thread_id = made["thread"]["id"]
    answer = (
        await client.mutate(
            "replyToPost",
            {"threadId": thread_id, "body": "<p>Do X</p>"},
            POST_FIELDS,
            token=teacher,
        )
    ).payload("replyToPost")["post"]
    follow = (
        await client.mutate(
            "replyToPost",
            {"threadId": thread_id, "parentPostId": answer["id"], "body": "<b>Thanks</b>"},
            POST_FIELDS,
            token=student,
        )
    ).payload("replyToPost")["post"]
    assert (answer["depth"], follow["depth"]) == (0, 1)

    voted = await client.mutate(
        "votePost", {"postId": answer["id"]}, "voted " + POST_FIELDS, token=student
    )
    assert voted.payload("votePost")["voted"] is True
    assert voted.payload("votePost")["post"]["upvoteCount"] == 1
    refused = await client.mutate(
        "acceptSolution", {"postId": answer["id"]}, POST_FIELDS, token=student
    )
    assert refused.codes == ["FORBIDDEN"]
    accepted = await client.mutate(
        "acceptSolution", {"postId": answer["id"]}, POST_FIELDS, token=teacher
    )
    assert accepted.payload("acceptSolution")["post"]["isSolution"] is True
    deleted = await client.mutate(
        "deletePost", {"postId": follow["id"]}, POST_FIELDS, token=student
    )
    assert deleted.payload("deletePost")["post"] == {**follow, "body": None, "isDeleted": True}

    read = await client.execute(THREAD, {"id": thread_id}, token=student)
    assert not read.errors, read.errors
    assert read.data is not None
    assert read.data["discussionThread"]["replyCount"] == 2
    posts = posts_of(read.data)
    assert [(p["id"], p["parentPostId"], p["depth"]) for p in posts] == [
        (answer["id"], None, 0),
        (follow["id"], answer["id"], 1),
    ]
    assert (posts[0]["viewerHasVoted"], posts[0]["isSolution"]) == (True, True)
    assert (posts[1]["body"], posts[1]["author"]) == (None, None)


async def test_expected_failures_are_payload_errors(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    student, teacher = token_for(client, f.student), token_for(client, f.teacher)
    empty = await client.mutate(
        "createDiscussionThread",
        {"courseId": gid("Course", f.course.id), "title": "", "body": "x" * 20_001},
        "thread { id }",
        token=student,
    )
    assert [(e["field"], e["code"]) for e in empty.payload("createDiscussionThread")["errors"]] == [
        ("title", "REQUIRED"),
        ("body", "TOO_LONG"),
    ]
    made = await thread(database, redis_client, f.student, f.course)
    locked = await client.mutate(
        "lockThread",
        {"threadId": gid("DiscussionThread", made.id), "locked": True},
        "thread { isLocked }",
        token=teacher,
    )
    assert locked.payload("lockThread")["thread"] == {"isLocked": True}
    late = await client.mutate(
        "replyToPost",
        {"threadId": gid("DiscussionThread", made.id), "body": "<p>hi</p>"},
        "post { id }",
        token=student,
    )
    assert [e["code"] for e in late.payload("replyToPost")["errors"]] == ["THREAD_LOCKED"]


async def test_outsiders_see_nothing_and_may_not_start_threads(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    outsider = token_for(client, await person(database))
    hidden = await client.execute(THREAD, {"id": gid("DiscussionThread", made.id)}, token=outsider)
    assert hidden.codes == ["NOT_FOUND"]
    assert hidden.data == {"discussionThread": None}
    listing = await client.execute(THREADS, {"course": gid("Course", f.course.id)}, token=outsider)
    assert listing.codes == ["FORBIDDEN"]
    refused = await client.mutate(
        "createDiscussionThread",
        {"courseId": gid("Course", f.course.id), "title": "Hi", "body": "<p>Hi</p>"},
        "thread { id }",
        token=outsider,
    )
    assert refused.codes == ["FORBIDDEN"]


async def test_threads_are_listed_pinned_first_and_filtered(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    first = await thread(database, redis_client, f.student, f.course, title="First")
    await thread(database, redis_client, f.student, f.course, title="Second")
    await client.mutate(
        "pinThread",
        {"threadId": gid("DiscussionThread", first.id), "pinned": True},
        "thread { isPinned }",
        token=token_for(client, f.teacher),
    )
    token = token_for(client, f.student)
    listed = await client.execute(THREADS, {"course": gid("Course", f.course.id)}, token=token)
    assert listed.payload("discussionThreads")["totalCount"] == 2
    assert [e["node"]["title"] for e in listed.payload("discussionThreads")["edges"]] == [
        "First",
        "Second",
    ]
    found = await client.execute(
        THREADS, {"course": gid("Course", f.course.id), "filter": {"search": "sec"}}, token=token
    )
    assert [e["node"]["title"] for e in found.payload("discussionThreads")["edges"]] == ["Second"]


async def test_reporting_a_post_twice_is_already_reported(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.teacher, made.id)
    args = {"postId": gid("DiscussionPost", post.id), "reason": "SPAM"}
    token = token_for(client, f.student)
    first = await client.mutate("reportPost", args, "reported", token=token)
    assert first.payload("reportPost") == {"reported": True, "errors": []}
    again = await client.mutate("reportPost", args, "reported", token=token)
    assert [e["code"] for e in again.payload("reportPost")["errors"]] == ["ALREADY_REPORTED"]


async def _statements(client: GraphQLClient, thread_id: str, token: str, expected: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(THREAD, {"id": thread_id}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    assert len(posts_of(outcome.data)) == expected
    return counter.count


async def test_a_thread_with_many_posts_costs_the_same_statements_as_one_with_one(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    others = [await f.member(database) for _ in range(4)]
    small = await thread(database, redis_client, f.student, f.course)
    await reply(database, redis_client, f.teacher, small.id)
    big = await thread(database, redis_client, f.student, f.course)
    parent = None
    for index in range(15):
        author = others[index % 4]
        post = await reply(database, redis_client, author, big.id, parent_post_id=parent)
        parent = post.id if index % 3 == 0 else parent
    token = token_for(client, f.student)
    one = await _statements(client, gid("DiscussionThread", small.id), token, 1)
    many = await _statements(client, gid("DiscussionThread", big.id), token, 15)
    assert one == many
    assert one <= 10, one


# --- the subscription ----------------------------------------------------------------------


async def test_members_receive_new_posts_until_the_thread_is_locked(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    settings: Settings,
    keyring: KeyRing,
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    thread_id = gid("DiscussionThread", made.id)
    teacher = token_for(client, f.teacher)
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, NEW_POST, {"t": thread_id}, token=token_for(client, f.student)) as sub,
    ):
        sent = await client.mutate(
            "replyToPost",
            {"threadId": thread_id, "body": "<p>Live!</p>"},
            "post { id }",
            token=teacher,
        )
        assert sent.payload("replyToPost")["errors"] == []
        assert await sub.next() == {"newDiscussionPost": {"body": "<p>Live!</p>", "depth": 0}}
        await client.mutate(
            "lockThread",
            {"threadId": thread_id, "locked": True},
            "thread { isLocked }",
            token=teacher,
        )
        ended = await sub.ended()
        assert ended.kind == "complete"


async def test_subscribing_to_a_thread_of_a_course_one_is_not_enrolled_in_is_an_error(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    settings: Settings,
    keyring: KeyRing,
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    dropped = await person(database)
    await enroll(database, dropped.id, f.course.id, EnrollmentStatus.DROPPED)
    async with (
        live_server(settings, keyring) as server,
        subscribe(
            server,
            NEW_POST,
            {"t": gid("DiscussionThread", made.id)},
            token=token_for(client, dropped),
        ) as sub,
    ):
        result = await sub.result()
        assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]
