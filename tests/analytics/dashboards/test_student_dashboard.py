"""studentDashboard: courses in progress, time per week, streaks, deadlines, grades,
certificates and achievements (Property 59), and the student totals the worker keeps
(Property 57)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.analytics.models import StudentAnalytics
from app.analytics.rollups import roll_up_days
from app.analytics.student_dashboard import week_start
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    Exam,
    QuizAttempt,
    SubmissionStatus,
)
from app.clock import frozen
from app.db import Database
from app.ids import new_id
from app.learning.models import Certificate, Enrollment, EnrollmentStatus
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at
from tests.support.catalog import gid, token_for
from tests.support.graphql import GraphQLClient

QUERY = """
query ($weeks: Int!) {
  studentDashboard(weeks: $weeks) {
    coursesInProgress { courseId title progressPercentage }
    learningWeeks { weekStart seconds }
    streak { currentDays longestDays lastActiveOn }
    coursesEnrolled coursesCompleted averageQuizScore timeInvestedMinutes
    upcomingDeadlines { kind id title courseTitle dueAt }
    recentGrades { kind title scorePercentage passed }
    certificates { courseTitle certificateNumber }
    achievements
  }
}"""


async def board(client: GraphQLClient, who: Any, *, weeks: int = 4) -> Any:
    return await client.execute(QUERY, {"weeks": weeks}, token=token_for(client, who))


async def test_property_59_the_dashboard_has_courses_deadlines_grades_and_achievements(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    """Property 59: a learner with work in flight sees every part of the dashboard filled."""
    w = await f.world(database)
    done = await f.world(database)
    ada = await f.student(database)
    taking = await f.enroll(database, ada, w.course, progress=40)
    finished = await f.enroll(
        database, ada, done.course, on=DAY - timedelta(days=3), completed_on=DAY
    )
    await f.attempt(database, taking, w.quizzes[w.lessons[0].id], 100)
    async with database.transaction() as session:
        due = Assignment(
            id=new_id(),
            lesson_id=w.lessons[1].id,
            title="Essay",
            instructions="Write",
            due_at=at(DAY + timedelta(days=5)),
        )
        graded = Assignment(
            id=new_id(), lesson_id=w.lessons[0].id, title="Lab", instructions="Do it"
        )
        exam = Exam(
            course_id=w.course.id,
            title="Final",
            duration_minutes=60,
            available_until=at(DAY + timedelta(days=9)),
        )
        gone = Exam(
            course_id=w.course.id,
            title="Closed",
            duration_minutes=60,
            available_until=at(DAY - timedelta(days=1)),
        )
        session.add_all([due, graded, exam, gone])
        await session.flush()
        session.add(
            AssignmentSubmission(
                assignment_id=graded.id,
                student_id=ada.id,
                enrollment_id=taking.id,
                text="Done",
                submitted_at=at(DAY, 8),
                points_awarded=Decimal(80),
                grading_status=SubmissionStatus.GRADED,
                graded_at=at(DAY, 9),
            )
        )
        session.add(
            Certificate(
                enrollment_id=finished.id,
                user_id=ada.id,
                course_id=done.course.id,
                certificate_number="EWS-2026-ABC123",
                verification_code=new_id().hex,
                student_name="Ada Learner",
                course_title=done.course.title,
            )
        )
    await f.events(database, f.watched(ada, w.lessons[0], 600, at(DAY, 9)))
    await roll_up_days(database, redis_client, [DAY], today=DAY)

    with frozen(at(DAY, 20)):
        data = (await board(client, ada)).payload("studentDashboard")

    assert data["coursesInProgress"] == [
        {
            "courseId": gid("Course", w.course.id),
            "title": w.course.title,
            "progressPercentage": 40.0,
        }
    ]
    assert [(d["kind"], d["title"]) for d in data["upcomingDeadlines"]] == [
        ("assignment", "Essay"),
        ("exam", "Final"),
    ]
    assert {(g["kind"], g["title"], g["scorePercentage"]) for g in data["recentGrades"]} == {
        ("quiz", w.quizzes[w.lessons[0].id].title, 100.0),
        ("assignment", "Lab", 80.0),
    }
    assert data["certificates"] == [
        {"courseTitle": done.course.title, "certificateNumber": "EWS-2026-ABC123"}
    ]
    assert set(data["achievements"]) >= {
        "first_enrollment",
        "first_course_completed",
        "certificate_earned",
        "perfect_quiz",
    }
    assert data["learningWeeks"][-1] == {"weekStart": week_start(DAY).isoformat(), "seconds": 600}
    assert len(data["learningWeeks"]) == 4
    assert data["streak"] == {"currentDays": 1, "longestDays": 1, "lastActiveOn": DAY.isoformat()}


activity = st.lists(st.integers(0, 13), max_size=10)  # days (DAY - n) with a watched video


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    statuses=st.lists(
        st.sampled_from(
            [EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED]
        ),
        max_size=4,
    ),
    scores=st.lists(st.integers(0, 100), max_size=5),
    active_days=activity,
    seconds=st.integers(1, 4000),
)
async def test_property_57_student_analytics_match_enrollments_attempts_and_activity(
    database: Database,
    redis_client: Redis,
    client: GraphQLClient,
    statuses: list[EnrollmentStatus],
    scores: list[int],
    active_days: list[int],
    seconds: int,
) -> None:
    """Property 57: courses completed, average quiz score, time invested and streaks equal what
    the learner's enrollments, quiz attempts and learning days say."""
    who = await f.student(database)
    enrollments = []
    for status in [*statuses, EnrollmentStatus.ACTIVE] if scores else statuses:
        w = await f.world(database, modules=1, lessons=1)
        done = DAY if status == EnrollmentStatus.COMPLETED else None
        enrollments.append(
            (w, await f.enroll(database, who, w.course, status=status, completed_on=done))
        )
    for i, score in enumerate(scores):
        w, row = enrollments[-1]
        await f.attempt(database, row, w.quizzes[w.lessons[0].id], score, number=i + 1)
    lesson = (await f.world(database, modules=1, lessons=1)).lessons[0]
    days = sorted({DAY - timedelta(days=n) for n in active_days})
    await f.events(database, *(f.watched(who, lesson, seconds, at(d)) for d in days))
    await roll_up_days(
        database, redis_client, [DAY - timedelta(days=n) for n in range(14)], today=DAY
    )

    async with database.session() as session:
        completed = await session.scalar(
            select(func.count()).where(
                Enrollment.student_id == who.id, Enrollment.status == EnrollmentStatus.COMPLETED
            )
        )
        mean = await session.scalar(
            select(func.round(func.avg(QuizAttempt.score_percentage), 2)).where(
                QuizAttempt.student_id == who.id
            )
        )
        stored = await session.get(StudentAnalytics, who.id)
    longest = current = run = 0
    previous = None
    for d in days:
        run = run + 1 if previous is not None and d - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = d
    if days and days[-1] >= DAY - timedelta(days=1):
        current = run
    if not enrollments and not days:
        assert stored is None
        return
    assert stored is not None
    assert stored.courses_completed == completed
    assert stored.courses_enrolled == len(enrollments)
    assert stored.average_quiz_score == mean
    assert stored.time_invested_minutes == len(days) * seconds // 60
    assert (stored.current_streak_days, stored.longest_streak_days) == (current, longest)

    with frozen(at(DAY, 20)):
        data = (await board(client, who, weeks=3)).payload("studentDashboard")
    assert data["coursesCompleted"] == completed
    assert data["averageQuizScore"] == (float(mean) if mean is not None else None)
    assert data["streak"]["currentDays"] == current
    assert data["streak"]["longestDays"] == longest
    first_week = week_start(DAY) - timedelta(weeks=2)
    assert sum(w["seconds"] for w in data["learningWeeks"]) == seconds * sum(
        1 for d in days if d >= first_week
    )


async def test_weeks_outside_1_to_52_are_bad_user_input(
    database: Database, client: GraphQLClient
) -> None:
    who = await f.student(database)
    assert (await board(client, who, weeks=0)).codes == ["BAD_USER_INPUT"]
    assert (await board(client, who, weeks=53)).codes == ["BAD_USER_INPUT"]
