"""The instructor's grading queue: quiz attempts pending review, assignment submissions and exam
attempts waiting for a grade in one course, oldest hand-in first, for the course's teachers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User, UserRole
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AttemptStatus,
    Exam,
    ExamSubmission,
    ExamSubmissionStatus,
    GradingStatus,
    Quiz,
    QuizAttempt,
    SubmissionStatus,
)
from app.catalog.models import CourseStatus
from app.db import Database, count_statements
from app.ids import new_id
from tests.support.assignments import Classroom, classroom, enrollment_of, student_in
from tests.support.catalog import course, gid, instructor, person, token_for
from tests.support.graphql import GraphQLClient

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 9, 23, 59, tzinfo=UTC)

QUEUE = """query($course: ID!, $first: Int, $after: String) {
  gradingQueue(courseId: $course, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      kind submittedAt dueAt assessmentTitle
      student { id firstName }
      item { __typename
        ... on QuizAttempt { id gradingStatus }
        ... on AssignmentSubmission { id status }
        ... on ExamSubmission { id examStatus: status } } } } } }"""


@dataclass
class Course:
    room: Classroom
    quiz: Quiz
    assignment: Assignment
    exam: Exam


async def assessed_course(database: Database) -> Course:
    room = await classroom(database)
    async with database.transaction() as session:
        quiz = Quiz(id=new_id(), lesson_id=room.lesson.id, title="Reflection", available_until=DUE)
        assignment = Assignment(
            id=new_id(), lesson_id=room.lesson.id, title="Essay", instructions="Write.", due_at=DUE
        )
        exam = Exam(id=new_id(), course_id=room.course.id, title="Final", duration_minutes=60)
        session.add_all([quiz, assignment, exam])
    return Course(room, quiz, assignment, exam)


async def quiz_attempt(
    database: Database, c: Course, student: User, at: datetime, status: GradingStatus, n: int = 1
) -> uuid.UUID:
    enrollment = await enrollment_of(database, student, c.room.course.id)
    async with database.transaction() as session:
        row = QuizAttempt(
            id=new_id(),
            quiz_id=c.quiz.id,
            student_id=student.id,
            enrollment_id=enrollment.id,
            attempt_number=n,
            status=AttemptStatus.SUBMITTED,
            submitted_at=at,
            grading_status=status,
        )
        session.add(row)
    return row.id


async def submission(
    database: Database, c: Course, student: User, at: datetime, status: SubmissionStatus, n: int = 1
) -> uuid.UUID:
    enrollment = await enrollment_of(database, student, c.room.course.id)
    async with database.transaction() as session:
        row = AssignmentSubmission(
            id=new_id(),
            assignment_id=c.assignment.id,
            student_id=student.id,
            enrollment_id=enrollment.id,
            text="Mine",
            submitted_at=at,
            grading_status=status,
            revision_number=n,
        )
        session.add(row)
    return row.id


async def exam_attempt(
    database: Database,
    c: Course,
    student: User,
    at: datetime | None,
    status: ExamSubmissionStatus,
    n: int = 1,
) -> uuid.UUID:
    async with database.transaction() as session:
        row = ExamSubmission(
            id=new_id(),
            exam_id=c.exam.id,
            user_id=student.id,
            attempt_number=n,
            status=status,
            started_at=T0 - timedelta(hours=1),
            deadline_at=T0 + timedelta(days=30),
            submitted_at=at,
        )
        session.add(row)
    return row.id


async def read(client: GraphQLClient, user: User, course_id: uuid.UUID, **kw: Any) -> Any:
    return await client.execute(
        QUEUE, {"course": gid("Course", course_id), **kw}, token=token_for(client, user)
    )


def nodes(outcome: Any) -> list[dict[str, Any]]:
    assert not outcome.errors, outcome.errors
    return [e["node"] for e in outcome.data["gradingQueue"]["edges"]]


async def test_the_queue_lists_every_kind_of_waiting_work_oldest_first_with_student_and_due_date(
    client: GraphQLClient, database: Database
) -> None:
    c = await assessed_course(database)
    ada = await student_in(database, c.room.course.id, first_name="Ada")
    bob = await student_in(database, c.room.course.id, first_name="Bob")
    exam_id = await exam_attempt(database, c, bob, T0, ExamSubmissionStatus.SUBMITTED)
    sub_id = await submission(database, c, ada, T0 + timedelta(hours=1), SubmissionStatus.SUBMITTED)
    quiz_id = await quiz_attempt(
        database, c, bob, T0 + timedelta(hours=2), GradingStatus.PENDING_REVIEW
    )
    # nothing to grade here: graded, auto-graded, still being written, sent back for revision
    await quiz_attempt(database, c, ada, T0, GradingStatus.AUTO_GRADED)
    await submission(database, c, bob, T0, SubmissionStatus.GRADED)
    await submission(database, c, bob, T0, SubmissionStatus.REVISION_REQUESTED, n=2)
    await exam_attempt(database, c, ada, None, ExamSubmissionStatus.IN_PROGRESS)
    await exam_attempt(database, c, ada, T0, ExamSubmissionStatus.GRADED, n=2)

    outcome = await read(client, c.room.teacher, c.room.course.id)

    items = nodes(outcome)
    assert outcome.data["gradingQueue"]["totalCount"] == 3
    assert [i["kind"] for i in items] == [
        "EXAM_SUBMISSION",
        "ASSIGNMENT_SUBMISSION",
        "QUIZ_ATTEMPT",
    ]
    assert [i["item"]["id"] for i in items] == [
        gid("ExamSubmission", exam_id),
        gid("AssignmentSubmission", sub_id),
        gid("QuizAttempt", quiz_id),
    ]
    assert [i["item"]["__typename"] for i in items] == [
        "ExamSubmission",
        "AssignmentSubmission",
        "QuizAttempt",
    ]
    assert [i["student"]["firstName"] for i in items] == ["Bob", "Ada", "Bob"]
    assert [i["assessmentTitle"] for i in items] == ["Final", "Essay", "Reflection"]
    assert [i["dueAt"] for i in items] == [None, DUE.isoformat(), DUE.isoformat()]
    assert items[0]["submittedAt"] == T0.isoformat()


async def test_other_courses_work_never_shows(client: GraphQLClient, database: Database) -> None:
    mine, theirs = await assessed_course(database), await assessed_course(database)
    student = await student_in(database, theirs.room.course.id)
    await quiz_attempt(database, theirs, student, T0, GradingStatus.PENDING_REVIEW)

    assert nodes(await read(client, mine.room.teacher, mine.room.course.id)) == []


async def test_admins_read_any_courses_queue(client: GraphQLClient, database: Database) -> None:
    c = await assessed_course(database)
    student = await student_in(database, c.room.course.id)
    await submission(database, c, student, T0, SubmissionStatus.UNDER_REVIEW)

    admin = await person(database, UserRole.ADMIN)
    assert [i["kind"] for i in nodes(await read(client, admin, c.room.course.id))] == [
        "ASSIGNMENT_SUBMISSION"
    ]


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_students_and_other_instructors_are_refused(
    client: GraphQLClient, database: Database, role: UserRole
) -> None:
    c = await assessed_course(database)
    student = await student_in(database, c.room.course.id)
    await quiz_attempt(database, c, student, T0, GradingStatus.PENDING_REVIEW)
    outsider = student if role == UserRole.STUDENT else await instructor(database)

    outcome = await read(client, outsider, c.room.course.id)

    assert outcome.data is None
    assert outcome.codes == ["FORBIDDEN"]


async def test_an_unpublished_course_is_not_found_for_outsiders(
    client: GraphQLClient, database: Database
) -> None:
    owner = await instructor(database)
    draft = await course(database, owner.id, status=CourseStatus.DRAFT, tiers=())

    outcome = await read(client, await instructor(database), draft.id)

    assert outcome.codes == ["NOT_FOUND"]
    assert nodes(await read(client, owner, draft.id)) == []


async def test_anonymous_callers_must_sign_in(client: GraphQLClient, database: Database) -> None:
    c = await assessed_course(database)
    outcome = await client.execute(QUEUE, {"course": gid("Course", c.room.course.id)})
    assert outcome.codes == ["UNAUTHENTICATED"]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=9),
    size=st.integers(min_value=1, max_value=4),
)
async def test_paging_visits_every_waiting_item_once_in_order(
    client: GraphQLClient, database: Database, offsets: list[int], size: int
) -> None:
    """Equal hand-in times included: the id breaks ties, so no item is skipped or repeated."""
    c = await assessed_course(database)
    students = [await student_in(database, c.room.course.id) for _ in range(3)]
    made: list[tuple[datetime, uuid.UUID]] = []
    for index, offset in enumerate(offsets):
        at = T0 + timedelta(minutes=offset)
        student, attempt = students[index % 3], index // 3 + 1
        kind = index % 3
        if kind == 0:
            made.append(
                (
                    at,
                    await quiz_attempt(
                        database, c, student, at, GradingStatus.PENDING_REVIEW, attempt
                    ),
                )
            )
        elif kind == 1:
            made.append(
                (
                    at,
                    await submission(database, c, student, at, SubmissionStatus.SUBMITTED, attempt),
                )
            )
        else:
            made.append(
                (
                    at,
                    await exam_attempt(
                        database, c, student, at, ExamSubmissionStatus.SUBMITTED, attempt
                    ),
                )
            )

    seen: list[str] = []
    after = None
    while True:
        outcome = await read(client, c.room.teacher, c.room.course.id, first=size, after=after)
        seen += [n["item"]["id"] for n in nodes(outcome)]
        page = outcome.data["gradingQueue"]["pageInfo"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]

    expected = [str(i) for _, i in sorted(made)]
    assert [_raw(s) for s in seen] == expected


def _raw(global_id: str) -> str:
    from strawberry.relay import GlobalID

    return GlobalID.from_id(global_id).node_id


async def test_a_page_costs_the_same_statements_however_many_items(
    client: GraphQLClient, database: Database
) -> None:
    c = await assessed_course(database)
    students = [await student_in(database, c.room.course.id) for _ in range(10)]
    for i, student in enumerate(students):  # each student: one item of each kind at one time
        at = T0 + timedelta(minutes=i)
        await quiz_attempt(database, c, student, at, GradingStatus.PENDING_REVIEW)
        await submission(database, c, student, at, SubmissionStatus.SUBMITTED)
        await exam_attempt(database, c, student, at, ExamSubmissionStatus.SUBMITTED)
    token = token_for(client, c.room.teacher)
    counts = []
    for first in (3, 30):
        variables = {"course": gid("Course", c.room.course.id), "first": first}
        with count_statements(database.engine) as counter:
            outcome = await client.execute(QUEUE, variables, token=token)
        assert len(nodes(outcome)) == first
        counts.append(counter.count)

    assert counts[0] == counts[1], counts
    # viewer, course, co-teaching, the page, its count, users, attempts, submissions, exams
    assert counts[0] <= 9, counts
