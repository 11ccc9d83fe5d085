"""Reviews over GraphQL: writing, the typed errors, the course page's reviews (filters, sorts,
cursor pages at a fixed number of SQL statements), its rating summary, the viewer's own review,
and a reported review resolved from the moderation queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.clock import frozen
from app.cms import reviews
from app.db import Database, count_statements
from app.integrations.cache import catalog_version
from app.security.permissions import Actor
from tests.support.catalog import gid, token_for
from tests.support.graphql import GraphQLClient
from tests.support.reviews import admin, classroom, review, stored_rating

REVIEW_FIELDS = "review { id rating title body isHidden author { fullName avatarUrl } }"
COURSE_REVIEWS = """
query ($id: ID!, $filter: ReviewFilter, $sort: ReviewSort, $first: Int, $after: String) {
  course(id: $id) {
    averageRating reviewCount
    ratingSummary { average count histogram { rating count } }
    viewerReview { rating isHidden }
    reviews(filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { rating title body author { fullName }
                     reply { body author { fullName } } } }
    }
  }
}"""
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


async def _course(
    client: GraphQLClient, course_id: Any, token: str | None = None, **vars_: Any
) -> dict[str, Any]:
    outcome = await client.execute(
        COURSE_REVIEWS, {"id": gid("Course", course_id), **vars_}, token=token
    )
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["course"]


async def test_a_student_reviews_and_the_course_page_shows_it(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database)
    student = token_for(client, room.students[0])
    made = await client.mutate(
        "reviewCourse",
        {
            "courseId": gid("Course", room.course.id),
            "rating": 4,
            "title": "Solid",
            "body": "<p>Clear <b>examples</b><script>x</script></p>",
        },
        REVIEW_FIELDS,
        token=student,
    )
    payload = made.payload("reviewCourse")
    assert payload["errors"] == []
    assert payload["review"]["body"] == "<p>Clear <b>examples</b></p>"
    assert payload["review"]["author"]["fullName"] == room.students[0].full_name
    page = await _course(client, room.course.id, token=student)
    assert (page["averageRating"], page["reviewCount"]) == (4.0, 1)
    assert page["ratingSummary"]["average"] == 4.0
    assert page["ratingSummary"]["histogram"][3] == {"rating": 4, "count": 1}
    assert page["viewerReview"] == {"rating": 4, "isHidden": False}
    assert [e["node"]["title"] for e in page["reviews"]["edges"]] == ["Solid"]


async def test_review_errors_are_typed_and_change_nothing(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database)
    student = token_for(client, room.students[0])
    course_id = gid("Course", room.course.id)
    bad = await client.mutate(
        "reviewCourse", {"courseId": course_id, "rating": 6}, REVIEW_FIELDS, token=student
    )
    assert bad.payload("reviewCourse")["errors"][0]["code"] == "OUT_OF_RANGE"
    assert bad.payload("reviewCourse")["errors"][0]["field"] == "rating"
    await client.mutate(
        "reviewCourse", {"courseId": course_id, "rating": 5}, REVIEW_FIELDS, token=student
    )
    again = await client.mutate(
        "reviewCourse", {"courseId": course_id, "rating": 1}, REVIEW_FIELDS, token=student
    )
    assert again.payload("reviewCourse")["errors"][0]["code"] == "ALREADY_REVIEWED"
    teacher = token_for(client, room.teacher)
    own = await client.mutate(
        "reviewCourse", {"courseId": course_id, "rating": 5}, REVIEW_FIELDS, token=teacher
    )
    assert own.payload("reviewCourse")["errors"][0]["code"] == "CANNOT_REVIEW_OWN_COURSE"
    assert await stored_rating(database, room.course.id) == (5, 1)


async def test_reviews_filter_sort_and_page_with_cursors(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=5)
    for i, rating in enumerate([3, 5, 1, 5, 4]):
        with frozen(T0 + timedelta(hours=i)):
            await review(
                database, room.students[i], room.course, rating, body="Text" if i % 2 else None
            )
    newest = await _course(client, room.course.id, first=2)
    assert [e["node"]["rating"] for e in newest["reviews"]["edges"]] == [4, 5]
    assert newest["reviews"]["totalCount"] == 5
    rest = await _course(
        client, room.course.id, first=5, after=newest["reviews"]["pageInfo"]["endCursor"]
    )
    assert [e["node"]["rating"] for e in rest["reviews"]["edges"]] == [1, 5, 3]
    highest = await _course(client, room.course.id, sort="HIGHEST")
    assert [e["node"]["rating"] for e in highest["reviews"]["edges"]] == [5, 5, 4, 3, 1]
    lowest = await _course(client, room.course.id, sort="LOWEST", first=1)
    assert lowest["reviews"]["edges"][0]["node"]["rating"] == 1
    fives = await _course(client, room.course.id, filter={"rating": 5})
    assert fives["reviews"]["totalCount"] == 2
    bodies = await _course(client, room.course.id, filter={"withBody": True})
    assert {e["node"]["body"] for e in bodies["reviews"]["edges"]} == {"Text"}
    assert bodies["reviews"]["totalCount"] == 2
    histogram = newest["ratingSummary"]["histogram"]
    assert [h["count"] for h in histogram] == [1, 0, 1, 1, 2]
    assert newest["ratingSummary"]["average"] == 3.6


async def test_a_page_of_reviews_takes_the_same_statements_whatever_its_size(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=12)
    for student in room.students:
        written = await review(database, student, room.course, 4, body="ok")
        async with database.transaction() as session:
            await reviews.reply_to_review(
                session, actor=Actor.of(room.teacher), review_id=written.id, body="Thanks"
            )
    counts = []
    for size in (2, 12):
        with count_statements(client.database.engine) as counter:
            page = await _course(client, room.course.id, first=size)
        assert len(page["reviews"]["edges"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_a_hidden_review_is_gone_for_others_but_its_author_sees_it(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 1)
    moderator = token_for(client, await admin(database))
    hidden = await client.execute(
        """mutation($input: ModerateReviewInput!) { hideReview(input: $input) {
             review { isHidden updatedAt reply { body } } errors { code } } }""",
        {"input": {"reviewId": gid("Review", written.id), "note": "Rude"}},
        token=moderator,
    )
    # every field of the answer is readable (updatedAt, set by the database, is reloaded)
    assert hidden.payload("hideReview")["review"]["isHidden"] is True
    assert hidden.payload("hideReview")["review"]["updatedAt"] is not None
    node = "query($id: ID!) { node(id: $id) { ... on Review { rating } } }"
    other = await client.execute(
        node, {"id": gid("Review", written.id)}, token=token_for(client, room.students[1])
    )
    assert other.codes == ["NOT_FOUND"]
    mine = await _course(client, room.course.id, token=token_for(client, room.students[0]))
    assert mine["viewerReview"] == {"rating": 1, "isHidden": True}
    assert (mine["reviewCount"], mine["reviews"]["totalCount"]) == (0, 0)


async def test_a_reported_review_is_resolved_from_the_moderation_queue(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 1, body="Spam link")
    reported = await client.mutate(
        "reportReview",
        {"reviewId": gid("Review", written.id), "reason": "SPAM", "details": "ads"},
        "reported",
        token=token_for(client, room.students[1]),
    )
    assert reported.payload("reportReview")["reported"] is True
    moderator = token_for(client, await admin(database))
    queue = await client.execute(
        """{ moderationQueue(filter: {targetType: COURSE_REVIEW}) { edges { node {
             id target { __typename ... on Review { body } } } } } }""",
        token=moderator,
    )
    [entry] = queue.payload("moderationQueue")["edges"]
    assert entry["node"]["target"] == {"__typename": "Review", "body": "Spam link"}
    resolved = await client.execute(
        """mutation($input: ResolveReportInput!) { resolveReport(input: $input) {
             resolvedCount errors { code } } }""",
        {"input": {"reportId": entry["node"]["id"], "action": "HIDE_CONTENT"}},
        token=moderator,
    )
    assert resolved.payload("resolveReport")["resolvedCount"] == 1
    assert await stored_rating(database, room.course.id) == (None, 0)


async def test_instructors_reply_over_the_api_and_students_may_not(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 2)
    args = {"reviewId": gid("Review", written.id), "body": "We fixed it"}
    refused = await client.mutate(
        "replyToReview", args, "review { id }", token=token_for(client, room.students[1])
    )
    assert refused.codes == ["FORBIDDEN"]
    replied = await client.mutate(
        "replyToReview",
        args,
        "review { reply { body author { fullName } } }",
        token=token_for(client, room.teacher),
    )
    assert replied.payload("replyToReview")["review"]["reply"] == {
        "body": "We fixed it",
        "author": {"fullName": room.teacher.full_name},
    }


CATALOG_WITH_REVIEWS = """
query ($first: Int!) {
  courses(first: $first, sort: NEWEST) {
    edges { node {
      title ratingSummary { average count histogram { count } }
      reviews(first: 2, sort: HIGHEST) { totalCount edges { node { rating author { fullName } } } }
    } }
  }
}"""


async def test_a_catalogue_page_with_ratings_and_reviews_takes_the_same_statements_for_more_courses(
    client: GraphQLClient, database: Database
) -> None:
    rooms = [await classroom(database, students=2) for _ in range(6)]
    for room in rooms:
        for rating, student in enumerate(room.students, start=3):
            await review(database, student, room.course, rating)
    counts = []
    for first in (2, 6):
        with count_statements(client.database.engine) as counter:
            outcome = await client.execute(CATALOG_WITH_REVIEWS, {"first": first})
        assert not outcome.errors, outcome.errors
        assert outcome.data is not None
        edges = outcome.data["courses"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["ratingSummary"]["average"] == 3.5 for e in edges)
        assert all(len(e["node"]["reviews"]["edges"]) == 2 for e in edges)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_editing_and_deleting_a_review_over_the_api_moves_the_rating_and_the_cache(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database, students=2)
    author = token_for(client, room.students[0])
    written = await review(database, room.students[0], room.course, 5, title="Great")
    await review(database, room.students[1], room.course, 3)
    review_id = gid("Review", written.id)
    before = await catalog_version(client.redis)
    edited = await client.mutate(
        "updateReview",
        {"reviewId": review_id, "rating": 1, "title": None},
        REVIEW_FIELDS,
        token=author,
    )
    assert edited.payload("updateReview")["review"]["rating"] == 1
    assert edited.payload("updateReview")["review"]["title"] is None
    assert await catalog_version(client.redis) > before
    assert (await _course(client, room.course.id))["averageRating"] == 2.0
    other = await client.mutate(
        "deleteReview",
        {"reviewId": review_id},
        "deletedReviewId",
        token=token_for(client, room.students[1]),
    )
    assert other.codes == ["NOT_FOUND"]
    deleted = await client.mutate(
        "deleteReview", {"reviewId": review_id}, "deletedReviewId", token=author
    )
    assert deleted.payload("deleteReview")["deletedReviewId"] == review_id
    page = await _course(client, room.course.id)
    assert (page["averageRating"], page["reviewCount"]) == (3.0, 1)
