"""instructorDashboard: the numbers of the courses one teaches within a range, read from the
rollups (Property 56: they match the database), the lesson funnel, and who may read whose."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.analytics.models import CourseAnalytics
from app.analytics.rollups import roll_up_days
from app.catalog.models import CourseInstructor, CourseInstructorRole
from app.cms.models import CourseReview
from app.db import Database
from app.learning.models import Enrollment, EnrollmentStatus
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

WEEK = [DAY + timedelta(days=i) for i in range(7)]

QUERY = """
query ($r: AnalyticsRange!, $who: ID) {
  instructorDashboard(range: $r, instructorId: $who) {
    enrollments completions activeLearners completionRate averageQuizScore rating gradingQueue
    revenue { amountMinor currency }
    courses {
      courseId title enrollments completions completionRate dropoutRate averageQuizScore rating
      reviewCount revenue { amountMinor } refunds { amountMinor } gradingQueue
      funnel { lessonId lessonTitle viewers completers dropOffPercentage quizAttempts
               quizFailures quizFailureRate }
    }
  }
}"""


def week_range(start: date = DAY, end: date = WEEK[-1]) -> dict[str, str]:
    return {"from": start.isoformat(), "to": end.isoformat()}


async def dashboard(
    client: GraphQLClient, user: Any, *, who: str | None = None, span: dict[str, str] | None = None
) -> Any:
    return await client.execute(
        QUERY, {"r": span or week_range(), "who": who}, token=token_for(client, user)
    )


learners = st.lists(
    st.tuples(
        st.sampled_from(
            [EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED]
        ),
        st.integers(0, 6),  # enrolled on DAY + n
        st.one_of(st.none(), st.integers(1, 5)),  # rating
        st.one_of(st.none(), st.integers(0, 100)),  # quiz score
    ),
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(learners=learners)
async def test_property_56_course_analytics_match_the_database(
    database: Database, redis_client: Redis, client: GraphQLClient, learners: list[Any]
) -> None:
    """Property 56: after a rollup, enrollments, completion and dropout rates, average rating
    (course_analytics and instructorDashboard) equal what the enrollment and review rows say."""
    w = await f.world(database)
    scores: list[int] = []
    for i, (status, offset, rating, score) in enumerate(learners):
        who = await f.student(database, f"L{i}")
        on = DAY + timedelta(days=offset)
        done = on if status == EnrollmentStatus.COMPLETED else None
        row = await f.enroll(database, who, w.course, on=on, status=status, completed_on=done)
        if rating is not None:
            await f.review(database, who, w.course, rating, on=on)
        if score is not None:
            await f.attempt(database, row, w.quizzes[w.lessons[0].id], score, on=on)
            scores.append(score)
    await roll_up_days(database, redis_client, WEEK, today=WEEK[-1])

    async with database.session() as session:
        statuses = list(
            (
                await session.scalars(
                    select(Enrollment.status).where(Enrollment.course_id == w.course.id)
                )
            ).all()
        )
        mean = await session.scalar(
            select(func.round(func.avg(CourseReview.rating), 2)).where(
                CourseReview.course_id == w.course.id
            )
        )
        stored = await session.get(CourseAnalytics, w.course.id)
    total = len(statuses)
    completed = statuses.count(EnrollmentStatus.COMPLETED)
    dropped = statuses.count(EnrollmentStatus.DROPPED)
    rate = round(Decimal(100 * completed) / total, 2) if total else Decimal(0)
    if total:
        assert stored is not None
        assert stored.total_enrollments == total
        assert stored.completion_count == completed
        assert stored.completion_rate == rate
        assert stored.dropout_rate == round(Decimal(100 * dropped) / total, 2)
        assert stored.average_rating == mean

    board = (await dashboard(client, w.teacher)).payload("instructorDashboard")
    [course] = board["courses"]
    assert course["enrollments"] == board["enrollments"] == total
    assert course["completions"] == completed
    assert course["completionRate"] == (float(rate) if total else None)
    assert course["rating"] == (float(mean) if mean is not None else None)
    assert course["reviewCount"] == sum(1 for x in learners if x[2] is not None)
    expected_score = round(sum(scores) / len(scores), 2) if scores else None
    assert course["averageQuizScore"] == expected_score


async def test_the_funnel_shows_where_learners_drop_off_and_struggle(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    w = await f.world(database, modules=1, lessons=3)
    first, second, third = w.lessons
    rows = []
    for i in range(4):
        who = await f.student(database, f"S{i}")
        enrolled = await f.enroll(database, who, w.course)
        rows.append((who, enrolled))
    # all four open lesson 1, two reach lesson 2, one lesson 3; lesson 2's quiz is failed 3 of 4
    await f.events(
        database,
        *(f.viewed(who, first, at(DAY, 9)) for who, _ in rows),
        *(f.viewed(who, second, at(DAY, 10)) for who, _ in rows[:2]),
        f.viewed(rows[0][0], third, at(DAY, 11)),
    )
    for score, (_, enrolled) in zip([10, 20, 30, 95], rows, strict=True):
        await f.attempt(database, enrolled, w.quizzes[second.id], score)
    await f.complete_lesson(database, rows[0][1], first)
    await roll_up_days(database, redis_client, [DAY], today=DAY)

    board = (await dashboard(client, w.teacher)).payload("instructorDashboard")
    funnel = board["courses"][0]["funnel"]
    assert [s["lessonTitle"] for s in funnel] == [first.title, second.title, third.title]
    assert [s["viewers"] for s in funnel] == [4, 2, 1]
    assert [s["dropOffPercentage"] for s in funnel] == [None, 50.0, 50.0]
    assert funnel[0]["completers"] == 1
    assert (funnel[1]["quizAttempts"], funnel[1]["quizFailures"]) == (4, 3)
    assert funnel[1]["quizFailureRate"] == 75.0


async def test_co_instructed_courses_count_and_their_grading_queue_and_revenue_show(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    own = await f.world(database)
    other = await f.world(database)
    async with database.transaction() as session:
        session.add(
            CourseInstructor(
                course_id=other.course.id,
                user_id=own.teacher.id,
                role=CourseInstructorRole.CO_INSTRUCTOR,
            )
        )
    stranger = await f.world(database)  # not taught by own.teacher: never shown
    for w in (own, other, stranger):
        await f.enroll(database, await f.student(database), w.course)
    await roll_up_days(database, redis_client, [DAY], today=DAY)

    board = (await dashboard(client, own.teacher)).payload("instructorDashboard")
    shown = {c["courseId"] for c in board["courses"]}
    assert shown == {gid("Course", own.course.id), gid("Course", other.course.id)}
    assert board["enrollments"] == 2
    assert board["gradingQueue"] == 0
    assert board["revenue"] == [{"amountMinor": 0, "currency": "USD"}]


async def test_someone_elses_dashboard_is_not_found_but_admins_may_read_any(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    w = await f.world(database)
    await f.enroll(database, await f.student(database), w.course)
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    other = await person(database, UserRole.INSTRUCTOR)
    admin = await person(database, UserRole.ADMIN)
    teacher_id = gid("User", w.teacher.id)

    refused = await dashboard(client, other, who=teacher_id)
    allowed = await dashboard(client, admin, who=teacher_id)

    assert refused.codes == ["NOT_FOUND"]
    assert allowed.payload("instructorDashboard")["enrollments"] == 1


async def test_a_backwards_or_too_long_range_is_bad_user_input(
    database: Database, client: GraphQLClient
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    backwards = await dashboard(client, teacher, span=week_range(DAY, DAY - timedelta(days=1)))
    too_long = await dashboard(client, teacher, span=week_range(DAY, DAY + timedelta(days=366)))
    year = await dashboard(client, teacher, span=week_range(DAY, DAY + timedelta(days=365)))

    assert backwards.codes == ["BAD_USER_INPUT"]
    assert backwards.errors[0].extensions["fields"][0]["field"] == "range"
    assert too_long.codes == ["BAD_USER_INPUT"]
    assert too_long.errors[0].extensions["fields"][0]["code"] == "OUT_OF_RANGE"
    assert year.payload("instructorDashboard")["courses"] == []
